#!/usr/bin/env python3
"""A loopback stand-in for Azure AD, the managed-identity endpoints and the Azure Resource
Manager container-group API of Azure Container Instances (Python stdlib only).

Endpoints, checked the way the services check them:

* Azure AD v2.0 client credentials: ``POST /{tenant}/oauth2/v2.0/token`` (form-encoded
  ``grant_type=client_credentials&client_id&client_secret&scope``). Unknown tenant → 400
  AADSTS90002; grant type → 400 AADSTS70003 ``unsupported_grant_type``; unknown client → 400
  AADSTS700016 ``unauthorized_client``; wrong secret → 401 AADSTS7000215 ``invalid_client``;
  scope other than ``https://management.azure.com/.default`` → 400 AADSTS70011 ``invalid_scope``.
* IMDS: ``GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`` with
  ``Metadata: true`` (400 without it, or with ``X-Forwarded-For``), values as strings.
* App Service: ``GET /msi/token?api-version=2019-08-01&resource=…`` with ``X-IDENTITY-HEADER``.
* ARM (``/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ContainerInstance/…``):
  a Bearer token issued here and not expired (401 ``AuthenticationFailed`` /
  ``InvalidAuthenticationToken`` / ``ExpiredAuthenticationToken`` otherwise),
  ``api-version=2023-05-01`` (400 ``MissingApiVersionParameter`` / ``NoRegisteredProviderFound``),
  the subscription (404 ``SubscriptionNotFound``) and resource group (404
  ``ResourceGroupNotFound``). Container groups: PUT (validated; 201 ``Creating`` with
  ``Azure-AsyncOperation``, 200 on update, 409 ``ContainerGroupTransitioning`` while creating),
  GET (the instance view advances one step per GET: provisioning ``Creating`` → ``Succeeded``
  on the second GET, the container ``Waiting`` → ``Running`` → ``Terminated`` two GETs later
  for a command that exits (one with ``exit N``, giving that code, or with ``echo`` lines, 0);
  other commands run until stopped), list (no instance views,
  paged with ``nextLink``), ``POST …/stop`` 204, ``POST …/start`` 202 + operation,
  ``DELETE`` 200 / 204, ``GET …/containers/{c}/logs?tail=N`` (the ``echo`` lines of the command),
  404 ``ResourceNotFound``.

Test controls (not Azure), under ``/_fake/``: ``POST /_fake/throttle {"count", "retry_after",
"target": "arm"|"token"|"imds"}`` (429 with ``Retry-After``), ``POST /_fake/expire_tokens``,
``GET /_fake/stats``, ``GET /_fake/groups/{name}`` (the PUT body as received).

Every request and every refusal (with its reason; never a secret or token) goes to stderr.
Prints ``LISTENING <port>`` on stdout once it accepts connections.

``arm_fake.py --sdk-check http://127.0.0.1:<port>`` instead drives Microsoft's Python SDKs
(azure-identity, azure-mgmt-containerinstance) against a running fake (see ``sdk_check``).
"""

import argparse
import datetime
import json
import re
import secrets
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

API_VERSION = "2023-05-01"
ARM_RESOURCE = "https://management.azure.com/"
LOCK = threading.Lock()
CFG = {}
TOKENS = {}       # token -> expiry (epoch seconds)
GROUPS = {}       # name -> group record
OPERATIONS = {}   # id -> {"polls": n, "group": name}
STATS = {"tokens_issued": {"client_credentials": 0, "imds": 0, "app_service": 0},
         "arm_requests": 0, "refused": 0, "throttled": 0}
THROTTLE = {"arm": [0, "1"], "token": [0, "1"], "imds": [0, "1"]}


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def now_iso(t=None):
    t = time.time() if t is None else t
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"  # ARM writes seven fractional digits


def arm_error(code, message):
    return {"error": {"code": code, "message": message}}


def aad_error(error, code, text):
    trace = uuid.uuid4()
    return {"error": error,
            "error_description": f"{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {uuid.uuid4()}\r\nTimestamp: {now_iso()}",
            "error_codes": [int(code[6:])], "timestamp": now_iso(), "trace_id": str(trace)}


def issue_token(kind, lifetime):
    token = "fake." + secrets.token_urlsafe(24)
    with LOCK:
        TOKENS[token] = time.time() + lifetime
        STATS["tokens_issued"][kind] += 1
    return token


# ---- container group simulation --------------------------------------------------------------

def command_text(container):
    return " ".join(container["properties"].get("command") or [])


def exit_code(container):
    """None when the command runs until stopped, else its exit code."""
    cmd = command_text(container)
    m = re.search(r"exit (\d+)", cmd)
    if m:
        return int(m.group(1))
    if re.search(r"\becho\b", cmd) and "sleep infinity" not in cmd and "tail -f" not in cmd:
        return 0
    return None  # no command (the image's server), sleep infinity, nginx, ...


def echo_lines(container):
    out = []
    for m in re.finditer(r"echo\s+([^;&|]+)", command_text(container)):
        out.append(m.group(1).strip().strip("'\""))
    return out


def view(g, with_instance_view=True):
    """The group as ARM shows it; advances nothing."""
    body = g["body"]
    props = body["properties"]
    ticks = g["ticks"]
    failed_pull = any("doesnotexist" in c["properties"].get("image", "") for c in props["containers"])
    provisioned = ticks >= 2
    prov = "Creating" if not provisioned else ("Failed" if failed_pull else "Succeeded")
    containers = []
    group_state = None
    events = []
    for c in props["containers"]:
        cp = {k: v for k, v in c["properties"].items()}
        if "environmentVariables" in cp:  # secureValue is never returned
            cp["environmentVariables"] = [{k: v for k, v in e.items() if k != "secureValue"} for e in cp["environmentVariables"]]
        iv = None
        if g["stopped"]:
            group_state = "Stopped"
        elif not provisioned:
            iv = {"restartCount": 0, "currentState": {"state": "Waiting", "detailStatus": "ContainerCreating"},
                  "events": [{"count": 1, "name": "Pulling", "message": f"pulling image \"{cp['image']}\"", "type": "Normal"}]}
            group_state = "Pending"
        elif failed_pull:
            iv = {"restartCount": 0, "currentState": {"state": "Waiting", "detailStatus": "ErrImagePull"},
                  "events": [{"count": 1, "name": "Failed", "message": f"Failed to pull image \"{cp['image']}\": not found", "type": "Warning"}]}
            group_state = "Failed"
        else:
            phase = ticks - 2
            code = exit_code(c)
            start = g["started_at"]
            policy = props.get("restartPolicy", "Always")
            exits = code is not None and phase >= 2
            restarts = policy == "Always" or (policy == "OnFailure" and code not in (None, 0))
            if exits and not restarts:
                iv = {"restartCount": 0,
                      "currentState": {"state": "Terminated", "exitCode": code, "startTime": now_iso(start),
                                       "finishTime": now_iso(start + 1), "detailStatus": "Completed" if code == 0 else "Error"},
                      "events": [{"count": 1, "name": "Started", "message": "Started container", "type": "Normal"}]}
                group_state = "Succeeded" if code == 0 else "Failed"
            else:
                iv = {"restartCount": (phase // 2) if exits else 0,
                      "currentState": {"state": "Running", "startTime": now_iso(start), "detailStatus": ""},
                      "events": [{"count": 1, "name": "Started", "message": "Started container", "type": "Normal"}]}
                group_state = "Running"
        if iv is not None and with_instance_view:
            cp["instanceView"] = iv
        containers.append({"name": c["name"], "properties": cp})
    out_props = {k: v for k, v in props.items() if k != "containers"}
    out_props["containers"] = containers
    out_props["provisioningState"] = prov
    if with_instance_view:
        out_props["instanceView"] = {"events": events, "state": group_state}
    return {"id": g["id"], "name": g["name"], "type": "Microsoft.ContainerInstance/containerGroups",
            "location": body["location"], "tags": body.get("tags", {}), "properties": out_props,
            "systemData": {"createdAt": g["created_at"], "createdByType": "Application"}}


def validate_group(name, body):
    """ARM's checks of a PUT body; returns an error (status, code, message) or None."""
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", name) or "--" in name:
        return 400, "InvalidContainerGroupName", f"The container group name '{name}' is invalid. It can contain only lowercase letters, numbers and hyphens; the first and last characters must be a letter or number; it cannot contain consecutive hyphens."
    if not isinstance(body, dict):
        return 400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."
    if not body.get("location"):
        return 400, "LocationRequired", "The location property is required for this definition."
    props = body.get("properties")
    if not isinstance(props, dict):
        return 400, "InvalidRequestContent", "The 'properties' of the container group are missing."
    if props.get("osType") not in ("Linux", "Windows"):
        return 400, "InvalidOsType", f"The 'osType' '{props.get('osType')}' is not valid. The valid values are 'Linux', 'Windows'."
    if props.get("restartPolicy", "Always") not in ("Always", "OnFailure", "Never"):
        return 400, "InvalidRestartPolicy", f"The restart policy '{props.get('restartPolicy')}' is not valid."
    containers = props.get("containers")
    if not isinstance(containers, list) or not containers:
        return 400, "NoContainersInContainerGroup", "The container group must contain at least one container."
    exposed = set()
    for c in containers:
        cname = c.get("name", "")
        cp = c.get("properties") or {}
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", cname):
            return 400, "InvalidContainerName", f"The container name '{cname}' is invalid."
        if not cp.get("image"):
            return 400, "InvalidImage", f"The image of container '{cname}' is required."
        req = (cp.get("resources") or {}).get("requests") or {}
        if not isinstance(req.get("cpu"), (int, float)) or req["cpu"] <= 0:
            return 400, "InvalidContainerResourceRequests", f"The CPU request of container '{cname}' must be greater than 0."
        mem = req.get("memoryInGB")
        if not isinstance(mem, (int, float)) or mem <= 0 or abs(mem * 10 - round(mem * 10)) > 1e-9:
            return 400, "InvalidContainerResourceRequests", f"The memory request of container '{cname}' must be a positive multiple of 0.1 GB."
        for e in cp.get("environmentVariables") or []:
            if not e.get("name") or ("value" not in e and "secureValue" not in e):
                return 400, "InvalidEnvironmentVariable", f"An environment variable of container '{cname}' has no name or value."
        for p in cp.get("ports") or []:
            exposed.add(p.get("port"))
    ip = props.get("ipAddress")
    if ip is not None:
        if ip.get("type") not in ("Public", "Private"):
            return 400, "InvalidIpAddressType", f"The IP address type '{ip.get('type')}' is not valid."
        for p in ip.get("ports") or []:
            if p.get("port") not in exposed:
                return 400, "InvalidIpAddressPorts", f"The port '{p.get('port')}' of the IP address is not exposed by any container."
    tags = body.get("tags") or {}
    if len(tags) > 50:
        return 400, "InvalidTagCount", "A resource can have at most 50 tags."
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle plus the
    # client's delayed ACK add 40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)
        log(f"  -> {status}")

    def refuse(self, status, why, body):
        with LOCK:
            STATS["refused"] += 1
        log(f"REFUSED {status} {self.command} {urlsplit(self.path).path}: {why}")
        self.reply(status, body)

    def throttled(self, target):
        with LOCK:
            t = THROTTLE[target]
            if t[0] > 0:
                t[0] -= 1
                STATS["throttled"] += 1
                retry = t[1]
            else:
                return False
        log(f"THROTTLED {target}: 429 Retry-After {retry}")
        if target == "arm":
            self.reply(429, arm_error("TooManyRequests", "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00."),
                       {"Retry-After": retry})
        else:
            self.reply(429, {"error": "temporarily_unavailable", "error_description": "AADSTS90055: Too many requests"}, {"Retry-After": retry})
        return True

    def handle_any(self):
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = parse_qs(url.query, keep_blank_values=True)
        log(f"{self.command} {url.path}")
        raw = self.body()
        try:
            if path.startswith("/_fake/"):
                return self.control(path, raw)
            if path.endswith("/oauth2/v2.0/token"):
                return self.aad_token(path, raw)
            if path == "/metadata/identity/oauth2/token":
                return self.imds(query)
            if path == "/msi/token":
                return self.app_service(query)
            if path.startswith("/subscriptions/"):
                return self.arm(path, query, raw)
            return self.refuse(404, "no such endpoint", arm_error("NotFound", "The requested resource was not found."))
        except Exception as e:  # a bug in the fake: say so loudly
            log(f"FAKE ERROR {type(e).__name__}: {e}")
            self.reply(500, arm_error("InternalServerError", f"fake error: {e}"))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    # ---- controls ------------------------------------------------------------------------
    def control(self, path, raw):
        data = json.loads(raw or b"{}")
        if path == "/_fake/throttle":
            with LOCK:
                THROTTLE[data.get("target", "arm")] = [int(data.get("count", 1)), str(data.get("retry_after", 1))]
            return self.reply(200, {"ok": True})
        if path == "/_fake/expire_tokens":
            with LOCK:
                for t in TOKENS:
                    TOKENS[t] = 0
            return self.reply(200, {"ok": True})
        if path == "/_fake/stats":
            with LOCK:
                return self.reply(200, json.loads(json.dumps(STATS)))
        if path.startswith("/_fake/groups/"):
            with LOCK:
                g = GROUPS.get(path[len("/_fake/groups/"):])
            return self.reply(200 if g else 404, g["body"] if g else {"error": "no such group"})
        return self.reply(404, {"error": "unknown control"})

    # ---- tokens --------------------------------------------------------------------------
    def aad_token(self, path, raw):
        tenant = path.split("/")[1]
        if self.command != "POST":
            return self.refuse(405, "token endpoint is POST only", aad_error("invalid_request", "AADSTS900561", "The endpoint only accepts POST requests."))
        if tenant != CFG["tenant"]:
            return self.refuse(400, f"unknown tenant {tenant!r}", aad_error("invalid_request", "AADSTS90002", f"Tenant '{tenant}' not found."))
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return self.refuse(400, f"content type {ctype!r}", aad_error("invalid_request", "AADSTS900144", "The request body must contain the following parameter: 'grant_type'."))
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        if form.get("grant_type") != "client_credentials":
            return self.refuse(400, f"grant_type {form.get('grant_type')!r}", aad_error("unsupported_grant_type", "AADSTS70003", "The app requested an unsupported grant type."))
        if form.get("client_id") != CFG["client_id"]:
            return self.refuse(400, f"unknown client_id {form.get('client_id')!r}",
                               aad_error("unauthorized_client", "AADSTS700016", f"Application with identifier '{form.get('client_id')}' was not found in the directory '{tenant}'."))
        if form.get("client_secret") != CFG["client_secret"]:
            why = "no client_secret" if not form.get("client_secret") else "wrong client_secret"
            return self.refuse(401, why, aad_error("invalid_client", "AADSTS7000215", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + CFG["client_id"] + "'."))
        if form.get("scope") not in (ARM_RESOURCE + ".default",):
            return self.refuse(400, f"scope {form.get('scope')!r}", aad_error("invalid_scope", "AADSTS70011", f"The provided value for the input parameter 'scope' is not valid. The scope {form.get('scope')} is not valid."))
        if self.throttled("token"):
            return
        lifetime = CFG["token_lifetime"]
        token = issue_token("client_credentials", lifetime)
        log(f"issued a client-credentials token to {form['client_id']} (expires in {lifetime} s)")
        self.reply(200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token})

    def imds(self, query):
        if self.headers.get("X-Forwarded-For"):
            return self.refuse(400, "X-Forwarded-For present", {"error": "invalid_request", "error_description": "Request contains X-Forwarded-For header"})
        if (self.headers.get("Metadata") or "").lower() != "true":
            return self.refuse(400, "no Metadata: true header", {"error": "invalid_request", "error_description": "Required metadata header not specified"})
        if "api-version" not in query:
            return self.refuse(400, "no api-version", {"error": "invalid_request", "error_description": "Required query variable 'api-version' is missing"})
        resource = (query.get("resource") or [""])[0]
        if resource.rstrip("/") != ARM_RESOURCE.rstrip("/"):
            return self.refuse(400, f"resource {resource!r}", {"error": "invalid_resource", "error_description": f"AADSTS500011: The resource principal named {resource} was not found in the tenant"})
        client = (query.get("client_id") or [None])[0]
        if client is not None and client != CFG["mi_client_id"]:
            return self.refuse(400, f"unknown identity {client!r}", {"error": "invalid_request", "error_description": "Identity not found"})
        if self.throttled("imds"):
            return
        lifetime = CFG["token_lifetime"]
        token = issue_token("imds", lifetime)
        log("issued a managed-identity token (IMDS)")
        now = int(time.time())
        self.reply(200, {"access_token": token, "client_id": CFG["mi_client_id"], "expires_in": str(lifetime),
                         "expires_on": str(now + lifetime), "ext_expires_in": str(lifetime), "not_before": str(now),
                         "resource": resource, "token_type": "Bearer"})

    def app_service(self, query):
        header = self.headers.get("X-IDENTITY-HEADER")
        if header != CFG["identity_header"]:
            return self.refuse(401, "X-IDENTITY-HEADER missing or wrong", {"error": {"code": "UnauthorizedRequest", "message": "The X-IDENTITY-HEADER header is missing or invalid."}})
        if (query.get("api-version") or [""])[0] != "2019-08-01":
            return self.refuse(400, "api-version", {"error": {"code": "BadRequest", "message": "api-version must be 2019-08-01"}})
        resource = (query.get("resource") or [""])[0]
        if resource.rstrip("/") != ARM_RESOURCE.rstrip("/"):
            return self.refuse(400, f"resource {resource!r}", {"error": {"code": "BadRequest", "message": f"AADSTS500011: resource {resource} not found"}})
        lifetime = CFG["token_lifetime"]
        token = issue_token("app_service", lifetime)
        log("issued a managed-identity token (App Service)")
        self.reply(200, {"access_token": token, "expires_on": str(int(time.time()) + lifetime), "resource": resource,
                         "token_type": "Bearer", "client_id": CFG["mi_client_id"]})

    # ---- ARM -----------------------------------------------------------------------------
    def arm(self, path, query, raw):
        with LOCK:
            STATS["arm_requests"] += 1
        auth = self.headers.get("Authorization")
        if not auth:
            return self.refuse(401, "no Authorization header", arm_error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."))
        if not auth.startswith("Bearer "):
            return self.refuse(401, "not a Bearer token", arm_error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format."))
        with LOCK:
            expiry = TOKENS.get(auth[7:])
        if expiry is None:
            return self.refuse(401, "token not issued here", arm_error("InvalidAuthenticationToken", "The access token is invalid."))
        if expiry <= time.time():
            return self.refuse(401, "token expired", arm_error("ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."))
        version = (query.get("api-version") or [None])[0]
        if version is None:
            return self.refuse(400, "no api-version", arm_error("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."))
        if version != API_VERSION:
            return self.refuse(400, f"api-version {version}", arm_error("NoRegisteredProviderFound",
                               f"No registered resource provider found for location '{CFG['location']}' and API version '{version}' for type 'containerGroups'. The supported api-versions are '{API_VERSION}'."))
        if self.throttled("arm"):
            return
        parts = path.strip("/").split("/")
        # subscriptions/{sub}/...
        if parts[1] != CFG["subscription"]:
            return self.refuse(404, f"subscription {parts[1]!r}", arm_error("SubscriptionNotFound", f"The subscription '{parts[1]}' could not be found."))
        if len(parts) >= 7 and parts[2] == "providers" and parts[4] == "locations" and parts[6] == "operations":
            return self.operation(parts[7] if len(parts) > 7 else "")
        if len(parts) < 7 or parts[2].lower() != "resourcegroups" or parts[4] != "providers" \
                or parts[5].lower() != "microsoft.containerinstance" or parts[6].lower() != "containergroups":
            return self.refuse(404, "unknown resource path", arm_error("InvalidResourceType", f"The resource type could not be found in the namespace for path '{path}'."))
        if parts[3].lower() != CFG["resource_group"].lower():
            return self.refuse(404, f"resource group {parts[3]!r}", arm_error("ResourceGroupNotFound", f"Resource group '{parts[3]}' could not be found."))
        rest = parts[7:]
        if not rest:
            if self.command != "GET":
                return self.refuse(405, "collection is GET only", arm_error("MethodNotAllowed", "The method is not allowed."))
            return self.list_groups(query)
        name = rest[0]
        if len(rest) == 1:
            return {"PUT": self.put_group, "GET": self.get_group, "DELETE": self.delete_group}.get(
                self.command, lambda n, r: self.refuse(405, "method", arm_error("MethodNotAllowed", "The method is not allowed.")))(name, raw)
        if len(rest) == 2 and rest[1] in ("stop", "start", "restart") and self.command == "POST":
            return self.action(name, rest[1])
        if len(rest) == 4 and rest[1] == "containers" and rest[3] == "logs" and self.command == "GET":
            return self.logs(name, rest[2], query)
        return self.refuse(404, "unknown sub-resource", arm_error("NotFound", "The requested resource was not found."))

    def not_found(self, name):
        return self.refuse(404, f"no container group {name!r}", arm_error(
            "ResourceNotFound", f"The Resource 'Microsoft.ContainerInstance/containerGroups/{name}' under resource group '{CFG['resource_group']}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"))

    def base_path(self):
        return f"/subscriptions/{CFG['subscription']}/resourceGroups/{CFG['resource_group']}/providers/Microsoft.ContainerInstance/containerGroups"

    def new_operation(self, name, kind):
        op = str(uuid.uuid4())
        with LOCK:
            OPERATIONS[op] = {"polls": 0, "group": name, "kind": kind}
        host = self.headers.get("Host")
        return f"http://{host}/subscriptions/{CFG['subscription']}/providers/Microsoft.ContainerInstance/locations/{CFG['location']}/operations/{op}?api-version={API_VERSION}"

    def operation(self, op):
        """An operation's status follows its group: polling a create advances the group like a
        GET does, and it ends when the group's provisioning ends."""
        error = None
        with LOCK:
            o = OPERATIONS.get(op)
            if o is not None:
                o["polls"] += 1
                g = GROUPS.get(o["group"])
                if g is None:
                    status, error = "Failed", arm_error("ResourceNotFound", f"The container group '{o['group']}' was deleted.")["error"]
                elif o["kind"] == "create":
                    g["ticks"] += 1
                    prov = view(g)["properties"]["provisioningState"]
                    status = {"Creating": "InProgress", "Succeeded": "Succeeded"}.get(prov, "Failed")
                    if status == "Failed":
                        error = {"code": "Failed", "message": "The container group provisioning failed (image pull)."}
                else:
                    status = "Succeeded"
        if o is None:
            return self.refuse(404, f"no operation {op!r}", arm_error("OperationNotFound", f"The operation '{op}' could not be found."))
        body = {"id": op, "name": op, "status": status, "startTime": now_iso()}
        if error:
            body["error"] = error
        self.reply(200, body)

    def put_group(self, name, raw):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return self.refuse(415, f"content type {ctype!r}", arm_error("UnsupportedMediaType", f"The content media type '{ctype}' is not supported. Only 'application/json' is supported."))
        try:
            body = json.loads(raw)
        except ValueError:
            return self.refuse(400, "body is not JSON", arm_error("InvalidRequestContent", "The request content was invalid and could not be deserialized."))
        problem = validate_group(name, body)
        if problem:
            return self.refuse(problem[0], problem[2], arm_error(problem[1], problem[2]))
        with LOCK:
            existing = GROUPS.get(name)
            if existing is not None and existing["ticks"] < 2 and not existing["stopped"]:
                transitioning = True
            else:
                transitioning = False
                record = {"id": f"{self.base_path()}/{name}", "name": name, "body": body, "ticks": 0, "stopped": False,
                          "created_at": existing["created_at"] if existing else now_iso(), "started_at": time.time()}
                GROUPS[name] = record
        if transitioning:
            return self.refuse(409, f"group {name!r} is still being created", arm_error(
                "ContainerGroupTransitioning", f"The container group '{name}' is still transitioning, please retry later."))
        with LOCK:
            v = view(record)
        log(f"{'updated' if existing else 'created'} container group {name} (image {body['properties']['containers'][0]['properties']['image']})")
        self.reply(200 if existing else 201, v, {"Azure-AsyncOperation": self.new_operation(name, "create")})

    def get_group(self, name, _raw):
        with LOCK:
            g = GROUPS.get(name)
            if g is not None:
                g["ticks"] += 1
                v = view(g)
        if g is None:
            return self.not_found(name)
        self.reply(200, v)

    def delete_group(self, name, _raw):
        with LOCK:
            g = GROUPS.pop(name, None)
            v = view(g) if g else None
        if g is None:
            log(f"delete of absent group {name}: 204")
            return self.reply(204)
        log(f"deleted container group {name}")
        self.reply(200, v)

    def list_groups(self, query):
        page_size = CFG["page_size"]
        skip = int((query.get("$skipToken") or ["0"])[0])
        with LOCK:
            names = sorted(GROUPS)
            page = [view(GROUPS[n], with_instance_view=False) for n in names[skip:skip + page_size]]
        body = {"value": page}
        if skip + page_size < len(names):
            host = self.headers.get("Host")
            body["nextLink"] = f"http://{host}{self.base_path()}?" + urlencode({"api-version": API_VERSION, "$skipToken": skip + page_size})
        self.reply(200, body)

    def action(self, name, what):
        with LOCK:
            g = GROUPS.get(name)
            if g is not None:
                if what == "stop":
                    g["stopped"] = True
                else:
                    g["stopped"] = False
                    g["ticks"] = 2
                    g["started_at"] = time.time()
        if g is None:
            return self.not_found(name)
        log(f"{what} container group {name}")
        if what == "stop":
            return self.reply(204)
        self.reply(202, None, {"Azure-AsyncOperation": self.new_operation(name, "start")})

    def logs(self, name, container, query):
        with LOCK:
            g = GROUPS.get(name)
            c = None
            if g is not None:
                c = next((c for c in g["body"]["properties"]["containers"] if c["name"] == container), None)
                running = g["ticks"] >= 2 and not g["stopped"]
        if g is None:
            return self.not_found(name)
        if c is None:
            return self.refuse(404, f"no container {container!r} in {name!r}", arm_error(
                "ContainerNotFound", f"The container '{container}' is not found in container group '{name}'."))
        lines = echo_lines(c) if running else []
        tail = (query.get("tail") or [None])[0]
        if tail is not None:
            if not tail.isdigit():
                return self.refuse(400, f"tail {tail!r}", arm_error("InvalidParameter", "The 'tail' parameter must be a non-negative integer."))
            lines = lines[-int(tail):] if int(tail) > 0 else []
        self.reply(200, {"content": "".join(line + "\n" for line in lines)})


def sdk_check(base, args):
    """Drives Microsoft's Python SDKs (azure-identity's ManagedIdentityCredential through IMDS
    and App Service, azure-mgmt-containerinstance's ContainerInstanceManagementClient) against a
    running fake at ``base`` and prints what they saw as one JSON object. It shows that the fake
    answers the requests the SDKs send with replies the SDKs accept; the test then compares the
    SDK's PUT body with the plugin's. Exit 3 when the SDKs are not installed."""
    import os
    try:
        from azure.identity import ManagedIdentityCredential
        from azure.mgmt.containerinstance import ContainerInstanceManagementClient
        from azure.mgmt.containerinstance import models as m
    except ImportError as e:
        print(json.dumps({"error": f"SDK missing: {e}"}))
        sys.exit(3)
    out = {}
    os.environ.pop("IDENTITY_ENDPOINT", None)
    os.environ.pop("IDENTITY_HEADER", None)
    os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = base
    imds = ManagedIdentityCredential()
    out["imds_token"] = imds.get_token("https://management.azure.com/.default").token.startswith("fake.")
    os.environ["IDENTITY_ENDPOINT"] = base + "/msi/token"
    os.environ["IDENTITY_HEADER"] = args.identity_header
    app = ManagedIdentityCredential()
    out["app_service_token"] = app.get_token("https://management.azure.com/.default").token.startswith("fake.")
    client = ContainerInstanceManagementClient(imds, args.subscription, base_url=base, polling_interval=0.02)
    rg = args.resource_group
    group = m.ContainerGroup(
        location=args.location, os_type="Linux", restart_policy="OnFailure", tags={"team": "blue"},
        containers=[m.Container(
            name="sdk-web", image="nginx:1.27", command=["nginx", "-g", "daemon off;"],
            resources=m.ResourceRequirements(requests=m.ResourceRequests(cpu=0.5, memory_in_gb=0.5)),
            environment_variables=[m.EnvironmentVariable(name="A", value="1"), m.EnvironmentVariable(name="MODE", value="test")],
            ports=[m.ContainerPort(port=80, protocol="TCP"), m.ContainerPort(port=8080, protocol="TCP")])],
        ip_address=m.IpAddress(type="Public", ports=[m.Port(port=80, protocol="TCP"), m.Port(port=8080, protocol="TCP")]))
    created = client.container_groups.begin_create_or_update(rg, "sdk-web", group, enforce_https=False).result()
    out["create_provisioning_state"] = created.provisioning_state
    got = client.container_groups.get(rg, "sdk-web", enforce_https=False)
    out["get_state"] = got.instance_view.state if got.instance_view else None
    out["get_container_state"] = got.containers[0].instance_view.current_state.state
    job = m.ContainerGroup(location=args.location, os_type="Linux", restart_policy="Never", containers=[m.Container(
        name="sdk-job", image="busybox", command=["sh", "-c", "echo one; echo two; exit 4"],
        resources=m.ResourceRequirements(requests=m.ResourceRequests(cpu=1, memory_in_gb=1.5)))])
    client.container_groups.begin_create_or_update(rg, "sdk-job", job, enforce_https=False).result()
    for _ in range(5):
        g = client.container_groups.get(rg, "sdk-job", enforce_https=False)
    cs = g.containers[0].instance_view.current_state
    out["job_state"], out["job_exit_code"] = cs.state, cs.exit_code
    out["job_logs"] = client.containers.list_logs(rg, "sdk-job", "sdk-job", tail=1, enforce_https=False).content
    out["listed"] = sorted(x.name for x in client.container_groups.list_by_resource_group(rg, enforce_https=False))
    client.container_groups.stop(rg, "sdk-web", enforce_https=False)
    out["stopped_state"] = client.container_groups.get(rg, "sdk-web", enforce_https=False).instance_view.state
    client.container_groups.begin_start(rg, "sdk-web", enforce_https=False).result()
    out["started_state"] = client.container_groups.get(rg, "sdk-web", enforce_https=False).instance_view.state
    client.container_groups.begin_delete(rg, "sdk-job", enforce_https=False).result()
    try:
        client.container_groups.get(rg, "sdk-job", enforce_https=False)
        out["deleted"] = False
    except Exception as e:  # ResourceNotFoundError
        out["deleted"] = type(e).__name__
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sdk-check", metavar="BASE_URL", help="drive the Azure SDKs against a running fake, print JSON, exit")
    ap.add_argument("--tenant", default="contoso.onmicrosoft.com")
    ap.add_argument("--client-id", default="11111111-2222-3333-4444-555555555555")
    ap.add_argument("--client-secret", default=None)
    ap.add_argument("--mi-client-id", default="99999999-8888-7777-6666-555555555555")
    ap.add_argument("--identity-header", default="fake-identity-header")
    ap.add_argument("--subscription", default="00000000-1111-2222-3333-444444444444")
    ap.add_argument("--resource-group", default="lightning-tests")
    ap.add_argument("--location", default="westeurope")
    ap.add_argument("--token-lifetime", type=int, default=3599)
    ap.add_argument("--page-size", type=int, default=100)
    args = ap.parse_args()
    if args.sdk_check:
        return sdk_check(args.sdk_check.rstrip("/"), args)
    if not args.client_secret:
        ap.error("--client-secret is required")
    CFG.update(tenant=args.tenant, client_id=args.client_id, client_secret=args.client_secret,
               mi_client_id=args.mi_client_id, identity_header=args.identity_header,
               subscription=args.subscription, resource_group=args.resource_group, location=args.location,
               token_lifetime=args.token_lifetime, page_size=args.page_size)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
