#!/usr/bin/env python3
"""Cosmos DB master-key signatures computed by Microsoft's Python SDK (pip package azure-cosmos),
for Tests/CloudTests/CosmosSDKCrossCheckTests.swift. Installs nothing.

stdin:  a JSON list of {"verb", "resource_type", "resource_link", "date", "key"}
stdout: a JSON list of the SDK's signatures (the sig= value, not URL-encoded), in input order.

It calls the SDK's module-private signing function in azure/cosmos/auth.py
(__get_authorization_token_using_master_key; __GetAuthorizationTokenUsingMasterKey in old
releases) with the x-ms-date header, as the SDK does for every request.
Exit 3 when azure.cosmos cannot be imported.
"""
import json
import sys

try:
    import azure.cosmos
    from azure.cosmos import auth
except ImportError as e:
    sys.stderr.write("cosmos_sdk_check: cannot import azure.cosmos (pip install azure-cosmos): %s\n" % e)
    sys.exit(3)

sign = getattr(auth, "__get_authorization_token_using_master_key", None) or getattr(auth, "__GetAuthorizationTokenUsingMasterKey", None)
if sign is None:
    sys.stderr.write("cosmos_sdk_check: azure.cosmos %s has no master-key signing function in auth.py\n" % azure.cosmos.__version__)
    sys.exit(4)

inputs = json.load(sys.stdin)
out = []
for item in inputs:
    token = sign(item["verb"], item["resource_link"], item["resource_type"], {"x-ms-date": item["date"]}, item["key"])
    fields = dict(part.split("=", 1) for part in token.split("&"))
    if fields.get("type") != "master" or fields.get("ver") != "1.0":
        sys.stderr.write("cosmos_sdk_check: unexpected token shape %r\n" % token.split("sig=")[0])
        sys.exit(5)
    out.append(fields["sig"])
sys.stderr.write("cosmos_sdk_check: azure-cosmos %s signed %d inputs\n" % (azure.cosmos.__version__, len(out)))
json.dump(out, sys.stdout)
