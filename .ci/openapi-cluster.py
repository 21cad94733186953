#!/usr/bin/env python3
"""Adds the cluster route (GET /v1/cluster, docs/cluster.md) and its schemas to
Host/API/openapi.json. Idempotent: run it after a merge that regenerated the document, then
.ci/openapi-common-responses.py; it keeps the file's formatting (json.dump, indent 2)."""
import json, pathlib

FRAGMENT = json.loads('{"path": {"get": {"operationId": "getCluster", "tags": ["system"], "summary": "Nodes of the cluster sharing this daemon\'s store", "description": "With LIGHTNING_CLUSTER=on, every daemon writes a heartbeat (id, address, version, drivers, agents, load) to the storage provider\'s container `cluster_nodes`; daemons on one shared store (postgres-storage, cosmos-storage) see each other. `state` is decided from the age of the last heartbeat in heartbeat intervals: alive, suspect (2 missed), gone (6 missed). See docs/cluster.md.", "responses": {"200": {"description": "The nodes, sorted by id.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClusterNodes"}}}}, "401": {"$ref": "#/components/responses/Unauthenticated"}, "403": {"$ref": "#/components/responses/PermissionDenied"}, "429": {"$ref": "#/components/responses/TooManyRequests"}, "408": {"$ref": "#/components/responses/RequestTimeout"}, "414": {"$ref": "#/components/responses/URITooLong"}, "431": {"$ref": "#/components/responses/HeaderFieldsTooLarge"}, "503": {"$ref": "#/components/responses/Unavailable"}}, "security": [{"bearer": []}], "x-lightning-scope": "read"}}, "schemas": {"ClusterNodes": {"type": "object", "required": ["enabled", "nodes", "leases"], "additionalProperties": false, "properties": {"enabled": {"type": "boolean", "description": "Membership is on (LIGHTNING_CLUSTER=on on the daemon); when off, nodes is this daemon alone and nothing is written to the store."}, "nodes": {"type": "array", "items": {"$ref": "#/components/schemas/ClusterNode"}}, "leases": {"type": "array", "description": "The singleton lease as this daemon sees it (docs/cluster.md#leases); empty when membership is off.", "items": {"$ref": "#/components/schemas/LeaseStatus"}}}}, "ClusterNode": {"type": "object", "additionalProperties": false, "required": ["id", "address", "version", "drivers", "agents", "load", "heartbeat_at", "last_heartbeat", "state", "self"], "properties": {"id": {"type": "string", "description": "Node id, kept in <data_dir>/node-id."}, "address": {"type": "string", "description": "host:port of the node\'s API listener."}, "version": {"type": "string"}, "drivers": {"type": "array", "items": {"type": "string"}}, "agents": {"type": "array", "items": {"type": "string"}}, "load": {"type": "object", "additionalProperties": false, "required": ["in_flight", "published", "routed"], "properties": {"in_flight": {"type": "integer", "description": "Deliveries being handled now."}, "published": {"type": "integer"}, "routed": {"type": "integer"}}}, "heartbeat_at": {"type": "integer", "description": "Last heartbeat, ms since 1970 (the node\'s clock)."}, "last_heartbeat": {"type": "string", "format": "date-time"}, "state": {"type": "string", "enum": ["alive", "suspect", "gone"]}, "self": {"type": "boolean", "description": "True for the daemon that answered."}}}, "LeaseStatus": {"type": "object", "additionalProperties": false, "required": ["name", "held"], "properties": {"name": {"type": "string"}, "held": {"type": "boolean", "description": "This daemon holds the lease now."}, "token": {"type": "integer", "description": "Fencing token: this daemon\'s while it holds the lease, else the last one seen."}, "holder": {"type": "string", "description": "Node id of the holder as last read."}, "expires_at": {"type": "integer", "description": "The lease\'s expiry as last read, ms since 1970 (the holder\'s clock)."}}}}}')

path = pathlib.Path(__file__).resolve().parent.parent / "Host/API/openapi.json"
doc = json.loads(path.read_text())
paths = {}
for k, v in doc["paths"].items():
    if k == "/v1/cluster":
        continue
    paths[k] = v
    if k == "/v1/router/stats":
        paths["/v1/cluster"] = FRAGMENT["path"]
if "/v1/cluster" not in paths:
    paths["/v1/cluster"] = FRAGMENT["path"]
doc["paths"] = paths
doc["components"]["schemas"].update(FRAGMENT["schemas"])
path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
print("openapi.json: /v1/cluster and its schemas in place")
