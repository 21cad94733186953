#!/usr/bin/env python3
"""Computes Service Bus SAS tokens with the official SDK (azure-servicebus,
`azure.servicebus._pyamqp.utils.generate_sas_token`) for the inputs on stdin, so a test can
compare them with the Swift signer.

stdin:  JSON array of {"uri", "key_name", "key", "expiry"}
stdout: JSON array of the SDK's tokens, in order.
Exit 3 (and a message on stderr) when azure-servicebus is not installed.
"""
import json
import sys

try:
    import azure.servicebus
    from azure.servicebus._pyamqp.utils import generate_sas_token
except ImportError as e:
    sys.stderr.write("azure-servicebus is not installed (python3 -m pip install azure-servicebus): %s\n" % e)
    sys.exit(3)


def main():
    inputs = json.load(sys.stdin)
    out = [generate_sas_token(i["uri"], i["key_name"], i["key"], int(i["expiry"])) for i in inputs]
    sys.stderr.write("azure-servicebus %s: %d tokens\n" % (azure.servicebus.__version__, len(out)))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
