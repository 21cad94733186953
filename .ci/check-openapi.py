#!/usr/bin/env python3
"""Validates the OpenAPI document Host/API/openapi.json (embedded in the binary) with
openapi-spec-validator (the published OpenAPI 3.1 schema), as CI does."""
import json
import pathlib
import sys

from openapi_spec_validator import validate

root = pathlib.Path(__file__).resolve().parent.parent
doc = json.loads((root / "Host/API/openapi.json").read_text())
validate(doc)
ops = sum(1 for p in doc["paths"].values() for m in p if m in ("get", "post", "put", "delete", "patch"))
print("openapi.json: valid OpenAPI %s, %d paths, %d operations" % (doc["openapi"], len(doc["paths"]), ops))
