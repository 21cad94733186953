/// The one table of what each route needs: `"METHOD /path/{template}"` → a scope, or `nil`
/// for a route anyone may call. `AuthMiddleware` enforces it; `OpenAPIDocumentTests` checks
/// that the OpenAPI document's `x-lightning-scope` (and `security`) say the same for every
/// operation, and that it covers exactly the routes the router serves.
///
/// Rationale: `/health` (and its alias `/v1/health`) and `/ready` stay open because orchestrators probe them without
/// credentials; `/openapi.json` (and `GET /`) describe the API, not its state, and clients read
/// them before they hold a token; so does the web console (`GET /` for a browser, `/console/{file}`),
/// which asks for a token when the API answers 401. `/metrics` needs `read`: it names plugins, drivers and counts
/// (a Prometheus scrape config can send a bearer token).
public enum RouteScopes {
    public enum Requirement: Sendable, Equatable {
        case open
        case scope(Scope)
    }

    public static let table: [String: Requirement] = [
        // The web console's page (at `/` for browsers) and files: no state in them (docs/console.md).
        "GET /": .open, "GET /console/{file}": .open,
        "GET /health": .open, "GET /v1/health": .open, "GET /ready": .open, "GET /openapi.json": .open,
        "GET /metrics": .scope(.read), "GET /v1/metrics": .scope(.read),
        "GET /v1/plugins": .scope(.read), "GET /v1/providers": .scope(.read), "GET /v1/drivers": .scope(.read),
        "GET /v1/router/stats": .scope(.read), "GET /v1/cluster": .scope(.read),
        "PUT /v1/providers/{kind}": .scope(.admin),
        "GET /v1/config": .scope(.admin),
        // Tokens
        "GET /v1/tokens": .scope(.admin), "POST /v1/tokens": .scope(.admin), "DELETE /v1/tokens/{id}": .scope(.admin),
        // Events
        "POST /v1/events": .scope(.eventsWrite),
        "GET /v1/events": .scope(.read), "GET /v1/events/stats": .scope(.read), "GET /v1/events/stream": .scope(.read),
        "GET /v1/events/deadletters": .scope(.read), "GET /v1/events/orphans": .scope(.read), "GET /v1/subscriptions": .scope(.read),
        // Replay, reprocess and drain re-deliver or remove events of any type: beyond a publisher's patterns.
        "POST /v1/events/replay": .scope(.admin), "POST /v1/events/deadletters/reprocess": .scope(.admin),
        "POST /v1/events/orphans/drain": .scope(.admin),
        // Processes
        "GET /v1/processes": .scope(.read), "GET /v1/processes/{name}": .scope(.read), "GET /v1/processes/{name}/logs": .scope(.read),
        "POST /v1/processes/{name}/restart": .scope(.admin), "POST /v1/processes/{name}/stop": .scope(.admin),
        "POST /v1/processes/{name}/start": .scope(.admin), "GET /v1/agents": .scope(.read),
        // Functions
        "GET /v1/functions": .scope(.read), "POST /v1/functions": .scope(.admin), "GET /v1/functions/{name}": .scope(.read),
        "DELETE /v1/functions/{name}": .scope(.admin), "POST /v1/functions/{name}/invoke": .scope(.eventsWrite),
        "GET /v1/functions/{name}/invocations": .scope(.read), "GET /v1/functions/{name}/invocations/{id}": .scope(.read), "GET /v1/functions/{name}/logs": .scope(.read),
        // Containers
        "GET /v1/containers": .scope(.read), "POST /v1/containers": .scope(.admin),
        "GET /v1/containers/{name}": .scope(.read), "DELETE /v1/containers/{name}": .scope(.admin),
        "POST /v1/containers/{name}/start": .scope(.admin), "POST /v1/containers/{name}/stop": .scope(.admin),
        "GET /v1/containers/{name}/logs": .scope(.read), "POST /v1/containers/{name}/wait": .scope(.read),
        "POST /v1/containers/images/pull": .scope(.admin), "POST /v1/containers/images/import": .scope(.admin),
        // Plans (docs/planner.md): reading and validating is `read`; saving and deleting `admin`.
        "GET /v1/actions": .scope(.read), "POST /v1/plans/validate": .scope(.read), "GET /v1/plans": .scope(.read),
        "PUT /v1/plans/{id}": .scope(.admin), "GET /v1/plans/{id}": .scope(.read), "DELETE /v1/plans/{id}": .scope(.admin),
        // Context Hub (docs/context-hub.md): reads are `read`, writes `events:write` (a token that may publish may
        // write); what a caller may read or write is then decided by the documents' access lists. Reindex is `admin`.
        "GET /v1/context/documents": .scope(.read), "PUT /v1/context/documents": .scope(.eventsWrite),
        "POST /v1/context/documents": .scope(.eventsWrite), "GET /v1/context/documents/{id}": .scope(.read),
        "PUT /v1/context/documents/{id}": .scope(.eventsWrite), "PATCH /v1/context/documents/{id}": .scope(.eventsWrite),
        "DELETE /v1/context/documents/{id}": .scope(.eventsWrite), "POST /v1/context/documents/{id}/move": .scope(.eventsWrite),
        "PUT /v1/context/documents/{id}/acl": .scope(.eventsWrite), "GET /v1/context/documents/{id}/versions": .scope(.read),
        "GET /v1/context/documents/{id}/versions/{version}": .scope(.read),
        "POST /v1/context/documents/{id}/versions/{version}/restore": .scope(.eventsWrite),
        "GET /v1/context/documents/{id}/diff": .scope(.read), "GET /v1/context/folders": .scope(.read),
        "POST /v1/context/folders": .scope(.eventsWrite), "GET /v1/context/folders/{id}": .scope(.read),
        "GET /v1/context/search": .scope(.read), "POST /v1/context/reindex": .scope(.admin),
        // Starting a run is like publishing the event that starts it; cancelling one is control.
        "POST /v1/plans/{id}/runs": .scope(.eventsWrite), "GET /v1/plans/{id}/runs": .scope(.read),
        "GET /v1/runs/{id}": .scope(.read), "POST /v1/runs/{id}/cancel": .scope(.admin), "POST /v1/hooks/{plan}/{event}": .scope(.eventsWrite),
        "GET /v1/schedules": .scope(.read),
        // Tasks: creating and updating one is work, like publishing an event; deleting is control.
        "POST /v1/tasks": .scope(.eventsWrite), "GET /v1/tasks": .scope(.read), "GET /v1/tasks/{id}": .scope(.read),
        "PATCH /v1/tasks/{id}": .scope(.eventsWrite), "DELETE /v1/tasks/{id}": .scope(.admin),
        // Instructions are automation, like plans: reading is `read`, every change `admin`.
        "GET /v1/instructions": .scope(.read), "PUT /v1/instructions/{name}": .scope(.admin), "GET /v1/instructions/{name}": .scope(.read),
        "DELETE /v1/instructions/{name}": .scope(.admin), "POST /v1/instructions/{name}/enable": .scope(.admin),
        "POST /v1/instructions/{name}/disable": .scope(.admin),
        // Generation calls a paid model through the planner agent: `admin`.
        "POST /v1/plans/generate": .scope(.admin), "POST /v1/plans/{id}/critique": .scope(.admin),
        // Storage: reads are `read`; every write is `admin` (there is no storage-write scope yet).
        "GET /v1/storage/containers": .scope(.read),
        "PUT /v1/storage/containers/{container}": .scope(.admin), "GET /v1/storage/containers/{container}": .scope(.read),
        "DELETE /v1/storage/containers/{container}": .scope(.admin),
        "POST /v1/storage/containers/{container}/documents": .scope(.admin),
        "GET /v1/storage/containers/{container}/documents": .scope(.read),
        "POST /v1/storage/containers/{container}/query": .scope(.read),
        "GET /v1/storage/containers/{container}/documents/{id}": .scope(.read),
        "PUT /v1/storage/containers/{container}/documents/{id}": .scope(.admin),
        "DELETE /v1/storage/containers/{container}/documents/{id}": .scope(.admin),
    ]

    /// The requirement of `method path` (a concrete path such as `/v1/processes/x/logs`); `HEAD`
    /// is `GET`. `nil` when no route matches (the router answers 404/405).
    public static func requirement(method: String, path: String) -> Requirement? {
        match(method: method, path: path)?.requirement
    }

    /// The table's route (`"PUT /v1/providers/{kind}"`) that `method path` matches, with its
    /// requirement. A literal segment wins over a `{param}` (`/v1/containers/images/pull` is not
    /// `/v1/containers/{name}/…`).
    public static func match(method: String, path: String) -> (route: String, requirement: Requirement)? {
        let m = method == "HEAD" ? "GET" : method
        let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        guard let candidates = compiled[m]?[segments.count] else { return nil }
        var best: CompiledRoute?
        for c in candidates where c.literals > (best?.literals ?? -1) {
            var ok = true
            for (t, s) in zip(c.template, segments) {
                guard let literal = t else { continue }
                if !literal.elementsEqual(s) { ok = false; break }
            }
            if ok { best = c }
        }
        return best.map { ($0.route, $0.requirement) }
    }

    /// One route of `table`, split once: each template segment's bytes, nil for a `{param}`.
    private struct CompiledRoute: Sendable {
        let route: String
        let requirement: Requirement
        let template: [[UInt8]?]
        let literals: Int
    }

    /// `table` by method and number of segments, each list with the most literal routes first:
    /// a request looks at the few routes of its shape only (every API request is matched here,
    /// by `AuthMiddleware` and `AuditMiddleware`; splitting the whole table per request cost
    /// 14 % of the daemon's CPU while ingesting events).
    private static let compiled: [String: [Int: [CompiledRoute]]] = {
        var out: [String: [Int: [CompiledRoute]]] = [:]
        for (route, requirement) in table.sorted(by: { $0.key < $1.key }) {
            let parts = route.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let template: [[UInt8]?] = parts[1].split(separator: "/", omittingEmptySubsequences: true).map { t in
                t.hasPrefix("{") && t.hasSuffix("}") ? nil : Array(t.utf8)
            }
            let c = CompiledRoute(route: route, requirement: requirement, template: template, literals: template.filter { $0 != nil }.count)
            out[String(parts[0]), default: [:]][template.count, default: []].append(c)
        }
        for (m, byCount) in out { for (n, list) in byCount { out[m]![n] = list.sorted { $0.literals > $1.literals } } }
        return out
    }()

    /// True for the calls `AuditMiddleware` records: every route that needs `admin` and is not a
    /// `GET` (provider swaps, process actions, function deploys, containers, storage writes,
    /// replay and dead letters, tokens). Publishing and invoking (`events:write`) are not: the
    /// events themselves are their record.
    public static func isAudited(route: String, requirement: Requirement) -> Bool {
        requirement == .scope(.admin) && !route.hasPrefix("GET ")
    }
}
