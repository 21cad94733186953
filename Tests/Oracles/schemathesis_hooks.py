"""Schemathesis hooks for the hostile-input run against the real daemon
(Tests/IntegrationTests/DaemonSchemathesisTests.swift; docs/api.md, "Tested against its document").

Schemathesis's own `not_a_server_error` counts every 5xx as a failure, but Lightning answers some
documented 5xx on purpose: 503 `unavailable` (no provider of that kind is configured), 501
`unsupported`, 504 `timeout`. `status_code_conformance` already fails any status the document does
not list for the operation; this check adds the rule that matters: the daemon never answers 500
(an unexpected error inside it), and every 5xx it does answer carries the API's JSON error body.
"""
import json

import schemathesis


@schemathesis.check
def no_internal_error(ctx, response, case):
    status = response.status_code
    if status == 500:
        raise AssertionError(f"500 internal error: {response.text[:500]}")
    if status >= 500:
        try:
            body = json.loads(response.text)
        except ValueError:
            raise AssertionError(f"{status} without a JSON body: {response.text[:200]!r}")
        if not isinstance(body, dict) or not isinstance(body.get("error"), dict) or "code" not in body["error"]:
            raise AssertionError(f"{status} without the API's error shape: {response.text[:200]!r}")
