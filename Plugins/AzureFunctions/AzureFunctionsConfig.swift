import Foundation
import AzureSupport
import LightningProtocol

/// The plugin's configuration (manifests/azure-functions.json, docs/azure-functions.md): the
/// function app, the functions it offers (Azure's invoke surface cannot list them without the
/// management API), and the keys. Every problem names the field, the expectation and what was
/// found, never a key's value.
struct AzureFunctionsConfig: Sendable {
    /// One function of the app, as configured.
    struct Function: Sendable {
        enum Trigger: String, Sendable { case http, other }
        var name: String
        var trigger: Trigger
        /// The route after the route prefix (`api/`): the function's name unless set.
        var route: String
        var method: String
        var key: Secret?
    }

    /// `scheme://host[:port]` without a trailing slash.
    var appURL: URL
    var functions: [Function]
    var functionKey: Secret?
    var masterKey: Secret?
    /// host.json `extensions.http.routePrefix` (default `api`; empty = no prefix).
    var routePrefix: String
    var timeoutMs: Int
    var maxThrottleRetries: Int
    var maxRetryWaitMs: Int
    var maxRecorded: Int

    static let methods: Set = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    init(_ config: JSONValue) throws {
        let r = AzureConfigFields(config)
        appURL = try Self.appURL(try r.required("app_url", "the function app's URL, e.g. https://myapp.azurewebsites.net"))
        functionKey = try r.secret("function_key")
        masterKey = try r.secret("master_key")
        routePrefix = try r.string("route_prefix").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "/")) } ?? "api"
        guard routePrefix.allSatisfy({ Self.isRouteCharacter($0) }) else {
            throw WireError(.invalidArgument, "config field \"route_prefix\": expected letters, digits, '-', '_', '.', '~' or '/', got \"\(routePrefix)\"")
        }
        timeoutMs = try r.int("timeout_ms", min: 1, max: 3_600_000) ?? 230_000
        maxThrottleRetries = try r.int("max_throttle_retries", min: 0, max: 20) ?? 3
        maxRetryWaitMs = try r.int("max_retry_wait_ms", min: 0, max: 600_000) ?? 30_000
        maxRecorded = try r.int("max_recorded_invocations", min: 1, max: 100_000) ?? 1000

        var seen = Set<String>()
        var out: [Function] = []
        let list: [JSONValue]
        switch config["functions"] {
        case nil, .null?: list = []
        case .array(let a)?: list = a
        case let other?: throw WireError(.invalidArgument, "config field \"functions\": expected an array of {name, trigger, route?, method?, key?}, got \(other.typeDescription)")
        }
        for (i, item) in list.enumerated() {
            let f = try Self.function(item, field: "functions[\(i)]")
            guard seen.insert(f.name.lowercased()).inserted else {
                throw WireError(.invalidArgument, "config field \"functions[\(i)].name\": \"\(f.name)\" is listed twice (Azure function names are case-insensitive)")
            }
            out.append(f)
        }
        functions = out
    }

    func function(named name: String) -> Function? {
        functions.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// The key sent with an HTTP-triggered function: its own, else `function_key`, else `master_key`.
    func key(for f: Function) -> Secret? { f.key ?? functionKey ?? masterKey }

    var secrets: [Secret] { ([functionKey, masterKey] + functions.map(\.key)).compactMap { $0 } }

    static func appURL(_ s: String) throws -> URL {
        let trimmed = s.hasSuffix("/") ? String(s.dropLast()) : s
        guard let c = URLComponents(string: trimmed), let scheme = c.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = c.host, !host.isEmpty, c.query == nil, c.fragment == nil, c.user == nil, c.password == nil,
              c.path.isEmpty, let url = c.url else {
            throw WireError(.invalidArgument, "config field \"app_url\": expected https://<app>.azurewebsites.net (scheme, host and optional port, no path or query), got \"\(s)\"")
        }
        return url
    }

    static func isRouteCharacter(_ ch: Character) -> Bool {
        ch.isASCII && (ch.isLetter || ch.isNumber || "-_.~/".contains(ch))
    }

    static func function(_ item: JSONValue, field: String) throws -> Function {
        guard case .object(let o) = item else {
            throw WireError(.invalidArgument, "config field \"\(field)\": expected an object {name, trigger, route?, method?, key?}, got \(item.typeDescription)")
        }
        let known: Set = ["name", "trigger", "route", "method", "key"]
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw WireError(.invalidArgument, "config field \"\(field).\(unknown)\": expected one of key, method, name, route, trigger, got an unknown field")
        }
        let r = AzureConfigFields(item, path: field)
        guard let name = try r.string("name") else {
            throw WireError(.invalidArgument, "config field \"\(field).name\": required")
        }
        let nameOK = (1...127).contains(name.count) && name.first!.isASCII && name.first!.isLetter
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        guard nameOK else {
            throw WireError(.invalidArgument, "config field \"\(field).name\": expected 1 to 127 characters of letters, digits, '_' or '-' starting with a letter (Azure's function names), got \"\(name)\"")
        }
        let triggerText = try r.string("trigger") ?? "http"
        guard let trigger = Function.Trigger(rawValue: triggerText) else {
            throw WireError(.invalidArgument, "config field \"\(field).trigger\": expected \"http\" or \"other\", got \"\(triggerText)\"")
        }
        var route = name
        if let given = try r.string("route") {
            let t = given.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard !t.isEmpty, t.allSatisfy(isRouteCharacter), !t.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                throw WireError(.invalidArgument, "config field \"\(field).route\": expected a path of letters, digits, '-', '_', '.', '~' and '/' without route parameters or '..', got \"\(given)\"")
            }
            guard trigger == .http else {
                throw WireError(.invalidArgument, "config field \"\(field).route\": only HTTP-triggered functions have a route (trigger is \"other\")")
            }
            route = t
        }
        let method = (try r.string("method") ?? "POST").uppercased()
        guard methods.contains(method) else {
            throw WireError(.invalidArgument, "config field \"\(field).method\": expected one of DELETE, GET, PATCH, POST, PUT, got \"\(method)\"")
        }
        if trigger == .other, o["method"] != nil, method != "POST" {
            throw WireError(.invalidArgument, "config field \"\(field).method\": non-HTTP functions are run with POST /admin/functions/\(name); got \"\(method)\"")
        }
        return Function(name: name, trigger: trigger, route: route, method: method, key: try r.secret("key"))
    }
}
