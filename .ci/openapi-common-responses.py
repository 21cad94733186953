#!/usr/bin/env python3
"""Adds the answers every operation can get before its handler runs (408/414/431; 413 and 400
with a body or parameters; 429 with a token) to operations of Host/API/openapi.json that lack
them, and keeps the file formatted as it is. OpenAPIDocumentTests.everyOperationDocumentsTheLimitsItCanHit
fails until they are there: run this after adding a route."""
import json,pathlib
p=pathlib.Path(__file__).resolve().parent.parent / "Host/API/openapi.json"
d=json.loads(p.read_text())
R=d["components"]["responses"]
def err(desc, extra=None):
    r={"description":desc,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}
    if extra: r["headers"]=extra
    return r
R.setdefault("TooManyRequests", err("`throttled`: the token passed its `rate_limit` (docs/security.md); retry after `Retry-After` seconds.",
    {"Retry-After":{"description":"Seconds to wait before the next request with this token.","schema":{"type":"integer","minimum":1}}}))
R.setdefault("ContentTooLarge", err("`payload_too_large`: the body passed `http.max_body_bytes`, or its JSON has a string longer than `http.max_json_string_bytes` or an array/object with more members than `http.max_json_elements` (docs/api.md, Limits)."))
R.setdefault("RequestTimeout", err("`request_timeout`: the request head did not arrive within `http.header_timeout_ms`; the connection is closed."))
R.setdefault("URITooLong", err("`uri_too_long`: the request target passed `http.max_uri_bytes`."))
R.setdefault("HeaderFieldsTooLarge", err("`headers_too_large`: the request head passed `http.max_header_bytes`."))
n=0
for path,ops in d["paths"].items():
    for m,op in ops.items():
        if m not in ("get","post","put","delete","patch"): continue
        rs=op["responses"]
        def add(code,name):
            global n
            if code not in rs: rs[code]={"$ref":"#/components/responses/"+name}; n+=1
        if op.get("security",None)!=[] : add("429","TooManyRequests")
        if "requestBody" in op: add("413","ContentTooLarge")
        if "requestBody" in op or op.get("parameters") or ops.get("parameters") or "{" in path: add("400","BadRequest")
        add("408","RequestTimeout"); add("414","URITooLong"); add("431","HeaderFieldsTooLarge")
tok=d["paths"]["/v1/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
rl={"type":"object","required":["per_second"],"additionalProperties":False,"properties":{
    "per_second":{"type":"number","exclusiveMinimum":0,"maximum":1000000,"description":"Requests per second on average; past it the API answers 429 with `Retry-After`."},
    "burst":{"type":"integer","minimum":1,"maximum":1000000,"description":"Requests at once (default: one second's worth)."}}}
tok.setdefault("rate_limit",rl)
d["components"]["schemas"]["Token"]["properties"].setdefault("rate_limit",{"description":"The token's request rate limit; absent = unlimited.","type":"object","properties":{"per_second":{"type":"number"},"burst":{"type":"integer"}}})
p.write_text(json.dumps(d,indent=2,ensure_ascii=False)+"\n")
print("added",n)
