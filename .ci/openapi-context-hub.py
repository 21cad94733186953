#!/usr/bin/env python3
"""Adds the Context Hub's operations, schemas and parameters (docs/context-hub.md) to
Host/API/openapi.json, keeping the file's formatting; idempotent (replaces what it added before).
Run .ci/openapi-common-responses.py after it for the common limit answers."""
import json, pathlib
p = pathlib.Path(__file__).resolve().parent.parent / "Host/API/openapi.json"
d = json.loads(p.read_text())
d['tags'] = [t for t in d['tags'] if t['name'] != 'context']
d['tags'].append({"name": "context", "description": "The Context Hub: documents in a folder tree per owner, access lists, versions, patches, full-text search (docs/context-hub.md)."})
comp = d['components']
R = lambda n: {"$ref": "#/components/responses/" + n}
S = lambda n: {"$ref": "#/components/schemas/" + n}
P = lambda n: {"$ref": "#/components/parameters/" + n}
comp['parameters'].update({
    "ContextId": {"name": "id", "in": "path", "required": True, "description": "A document's or folder's id.", "schema": {"type": "string"}},
    "ContextVersion": {"name": "version", "in": "path", "required": True, "description": "A version number (1 is the first).", "schema": {"type": "integer", "minimum": 1}},
    "ContextPath": {"name": "path", "in": "query", "required": True, "description": "A path in the owner's tree, such as `/notes/plan.md`. No `.` or `..` parts, no empty parts.", "schema": {"type": "string"}},
    "ContextOwner": {"name": "owner", "in": "query", "required": False, "description": "Whose tree the path is in. Default: the caller (its token's name; `anonymous` without a token).", "schema": {"type": "string"}},
})
comp['schemas'].update({
    "ContextACLEntry": {"type": "object", "required": ["principal", "access"], "properties": {
        "principal": {"type": "string", "description": "A principal (token name, agent or function id), or `*` for everyone."},
        "access": {"type": "string", "enum": ["read", "write"], "description": "`write` includes `read`. Inherited down the tree."}}},
    "ContextDocument": {"type": "object", "required": ["id", "name", "path", "doc_type", "owner", "acl", "size", "version", "author", "created_at", "updated_at", "etag"],
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "path": {"type": "string", "description": "`/a/b/name` in the owner's tree."},
            "doc_type": {"type": "string", "enum": ["folder", "text", "index_guide"]},
            "parent_folder_id": {"type": ["string", "null"], "description": "Absent at the owner's root."},
            "owner": {"type": "string"}, "acl": {"type": "array", "items": S("ContextACLEntry")},
            "content": {"type": "string", "description": "The text (absent for folders and in listings); at most 1 MiB."},
            "size": {"type": "integer"}, "version": {"type": "integer"}, "author": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
            "etag": {"type": "string"}}},
    "ContextVersion": {"type": "object", "required": ["version", "author", "at", "size"], "properties": {
        "version": {"type": "integer"}, "author": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "size": {"type": "integer"},
        "restored_from": {"type": "integer", "description": "The version this one restored."},
        "content": {"type": "string", "description": "When one version is read."}, "name": {"type": "string"}}},
    "ContextList": {"type": "object", "required": ["documents"], "properties": {"documents": {"type": "array", "items": S("ContextDocument")}}},
    "ContextSearchResult": {"type": "object", "required": ["query", "total", "offset", "limit", "hits"], "properties": {
        "query": {"type": "string"}, "total": {"type": "integer", "description": "Every hit the caller may read, not only this page."},
        "offset": {"type": "integer"}, "limit": {"type": "integer"},
        "hits": {"type": "array", "items": {"type": "object", "required": ["document", "score", "snippet"], "properties": {
            "document": S("ContextDocument"), "score": {"type": "number", "description": "bm25 as SQLite reports it: lower is better; hits come best first."},
            "snippet": {"type": "string", "description": "The matched terms in `[` `]`."}}}}}},
})

def errors(*codes):
    out = {}
    names = {"400": "BadRequest", "404": "NotFound", "409": "Conflict", "412": "PreconditionFailed"}
    for c in codes:
        out[c] = R(names[c])
    out["500"] = R("InternalError")
    out["503"] = R("Unavailable")
    out["default"] = R("Error")
    out["401"] = R("Unauthenticated")
    out["403"] = R("PermissionDenied")
    return out

def doc_response(desc, status="200"):
    return {status: {"description": desc, "content": {"application/json": {"schema": S("ContextDocument")}}, "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}}}

def op(opid, summary, scope, responses, description=None, parameters=None, body=None):
    o = {"operationId": opid, "tags": ["context"], "summary": summary}
    if description: o["description"] = description
    if parameters: o["parameters"] = parameters
    if body: o["requestBody"] = body
    o["responses"] = responses
    o["security"] = [{"bearer": []}]
    o["x-lightning-scope"] = scope
    return o

def json_body(desc, schema, example=None, required=True):
    c = {"schema": schema}
    if example is not None: c["example"] = example
    return {"description": desc, "required": required, "content": {"application/json": c}}

content_schema = {"type": "object", "required": ["content"], "properties": {"content": {"type": "string"}}}
ifmatch = P("IfMatch")
paths = d['paths']
paths["/v1/context/documents"] = {
    "get": op("readContextDocumentByPath", "Read a document or folder by path", "read",
              {**doc_response("The document (with its content)."), **errors("400", "404")}, parameters=[P("ContextPath"), P("ContextOwner")]),
    "put": op("putContextDocumentByPath", "Create or replace a document by path", "events:write",
              {**doc_response("Replaced: a new version."), **doc_response("Created (with the folders on the way).", "201"), **errors("400", "404", "409", "412")},
              description="Creates the document (and missing folders) or writes a new version of it. `If-Match` makes the write conditional; `If-None-Match: *` refuses an existing document.",
              parameters=[P("ContextPath"), P("ContextOwner"), ifmatch,
                          {"name": "If-None-Match", "in": "header", "required": False, "description": "`*`: only create.", "schema": {"type": "string"}}],
              body=json_body("The content (and optionally the type and access list).", {"type": "object", "properties": {
                  "content": {"type": "string"}, "doc_type": {"type": "string", "enum": ["folder", "text", "index_guide"]},
                  "acl": {"type": "array", "items": S("ContextACLEntry")}}}, {"content": "alpha\nbeta\n"})),
    "post": op("createContextDocument", "Create a document in a folder", "events:write",
               {**doc_response("Created.", "201"), **errors("400", "404", "409")},
               body=json_body("The new document.", {"type": "object", "required": ["name"], "properties": {
                   "name": {"type": "string"}, "parent_folder_id": {"type": "string"}, "owner": {"type": "string"},
                   "doc_type": {"type": "string", "enum": ["folder", "text", "index_guide"]}, "content": {"type": "string"},
                   "acl": {"type": "array", "items": S("ContextACLEntry")}}}, {"name": "plan.md", "content": "alpha\n"})),
}
paths["/v1/context/documents/{id}"] = {
    "parameters": [P("ContextId")],
    "get": op("readContextDocument", "Read a document or folder", "read", {**doc_response("The document (with its content)."), **errors("404")}),
    "put": op("writeContextDocument", "Write a new version", "events:write", {**doc_response("The new version."), **errors("400", "404", "412")},
              parameters=[ifmatch], body=json_body("The new content.", content_schema, {"content": "alpha\nBETA\n"})),
    "patch": op("patchContextDocument", "Apply a unified diff (a new version)", "events:write",
                {**doc_response("The new version."), **errors("400", "404", "409", "412")},
                description="The body is a unified diff (text), or `{\"patch\": \"...\"}` as JSON. Every context and removed line must match; otherwise 409 naming the hunk, and nothing changes.",
                parameters=[ifmatch],
                body={"description": "A unified diff.", "required": True, "content": {
                    "text/x-diff": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "object", "required": ["patch"], "properties": {"patch": {"type": "string"}}},
                                         "example": {"patch": "@@ -2 +2 @@\n-beta\n+BETA\n"}}}}),
    "delete": op("deleteContextDocument", "Delete a document or folder with its versions", "events:write",
                 {"200": {"description": "How many documents and folders were deleted.", "content": {"application/json": {"schema": {
                     "type": "object", "required": ["deleted"], "properties": {"deleted": {"type": "integer"}}}}}}, **errors("404", "409", "412")},
                 description="A folder that is not empty is refused (409) unless `recursive=true`, which deletes everything below it.",
                 parameters=[ifmatch, {"name": "recursive", "in": "query", "required": False, "schema": {"type": "boolean", "default": False}}]),
}
paths["/v1/context/documents/{id}/move"] = {
    "parameters": [P("ContextId")],
    "post": op("moveContextDocument", "Rename or move within the owner's tree", "events:write", {**doc_response("Moved."), **errors("400", "404", "409", "412")},
               parameters=[ifmatch],
               body=json_body("The new folder (null: the root; absent: unchanged) and/or name.", {"type": "object", "properties": {
                   "parent_folder_id": {"type": ["string", "null"]}, "name": {"type": "string"}}}, {"name": "renamed.md"})),
}
paths["/v1/context/documents/{id}/acl"] = {
    "parameters": [P("ContextId")],
    "put": op("setContextACL", "Replace the access list", "events:write", {**doc_response("The document with its new list."), **errors("400", "404", "412")},
              parameters=[ifmatch],
              body=json_body("The entries.", {"type": "object", "required": ["acl"], "properties": {"acl": {"type": "array", "items": S("ContextACLEntry")}}},
                             {"acl": [{"principal": "bob", "access": "read"}]})),
}
paths["/v1/context/documents/{id}/versions"] = {
    "parameters": [P("ContextId")],
    "get": op("listContextVersions", "List the kept versions", "read", {"200": {"description": "Oldest first.", "content": {"application/json": {"schema": {
        "type": "object", "required": ["versions"], "properties": {"versions": {"type": "array", "items": S("ContextVersion")}}}}}}, **errors("404")}),
}
paths["/v1/context/documents/{id}/versions/{version}"] = {
    "parameters": [P("ContextId"), P("ContextVersion")],
    "get": op("readContextVersion", "Read one version", "read", {"200": {"description": "The version with its content.", "content": {"application/json": {"schema": S("ContextVersion")}}}, **errors("400", "404")}),
}
paths["/v1/context/documents/{id}/versions/{version}/restore"] = {
    "parameters": [P("ContextId"), P("ContextVersion")],
    "post": op("restoreContextVersion", "Make an older version current (a new version)", "events:write", {**doc_response("The new version."), **errors("400", "404", "412")}, parameters=[ifmatch]),
}
paths["/v1/context/documents/{id}/diff"] = {
    "parameters": [P("ContextId")],
    "get": op("diffContextVersions", "Unified diff between two versions", "read", {"200": {"description": "The diff.", "content": {"application/json": {"schema": {
        "type": "object", "required": ["from", "to", "diff"], "properties": {"from": {"type": "integer"}, "to": {"type": "integer"}, "diff": {"type": "string"}}}}}}, **errors("400", "404")},
              parameters=[{"name": "from", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
                          {"name": "to", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}}]),
}
list_response = {"200": {"description": "The entries the caller may read (without content).", "content": {"application/json": {"schema": S("ContextList")}}}}
paths["/v1/context/folders"] = {
    "get": op("listContextFolderByPath", "List a folder by path (`/`: the root)", "read", {**list_response, **errors("400", "404")},
              parameters=[{"name": "path", "in": "query", "required": False, "description": "Default `/`.", "schema": {"type": "string"}}, P("ContextOwner")]),
    "post": op("createContextFolder", "Create a folder", "events:write", {**doc_response("Created.", "201"), **errors("400", "404", "409")},
               body=json_body("The folder.", {"type": "object", "required": ["name"], "properties": {
                   "name": {"type": "string"}, "parent_folder_id": {"type": "string"}, "owner": {"type": "string"},
                   "acl": {"type": "array", "items": S("ContextACLEntry")}}}, {"name": "notes"})),
}
paths["/v1/context/folders/{id}"] = {
    "parameters": [P("ContextId")],
    "get": op("listContextFolder", "List a folder", "read", {**list_response, **errors("400", "404")}),
}
paths["/v1/context/search"] = {
    "get": op("searchContext", "Full-text search over what the caller may read", "read",
              {"200": {"description": "Hits, best first (bm25).", "content": {"application/json": {"schema": S("ContextSearchResult")}}}, **errors("400", "404")},
              description="Words must all appear; `word*` is a prefix; `\"a phrase\"` words in a row. Nothing else is syntax.",
              parameters=[{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                          {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20}},
                          {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "default": 0}},
                          {"name": "folder", "in": "query", "required": False, "description": "Only under this folder (id).", "schema": {"type": "string"}}]),
}
paths["/v1/context/reindex"] = {
    "post": op("reindexContext", "Rebuild the search index from storage", "admin",
               {"200": {"description": "How many documents and folders were indexed.", "content": {"application/json": {"schema": {
                   "type": "object", "required": ["indexed"], "properties": {"indexed": {"type": "integer"}}}}}}, **errors()}),
}
text = json.dumps(d, indent=2, ensure_ascii=False) + "\n"
p.write_text(text)
