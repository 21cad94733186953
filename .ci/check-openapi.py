#!/usr/bin/env python3
"""Validates the OpenAPI document embedded in Host/Core/API/OpenAPIDocument.swift with
openapi-spec-validator (the published OpenAPI 3.1 schema), as CI does."""
import json
import pathlib
import sys

from openapi_spec_validator import validate

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "Host/Core/API/OpenAPIDocument.swift").read_text()
start, end = text.index('#"""') + 4, text.index('"""#')
doc = json.loads(text[start:end])
validate(doc)
ops = sum(1 for p in doc["paths"].values() for m in p if m in ("get", "post", "put", "delete", "patch"))
print("openapi.json: valid OpenAPI %s, %d paths, %d operations" % (doc["openapi"], len(doc["paths"]), ops))
