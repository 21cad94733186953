import Hummingbird

/// The routes the router serves, read from the router itself once every route is registered:
/// the 405 answers (`Allow`) and `GET /`'s list come from it, so no hand-kept list of endpoints
/// exists to drift (`OpenAPIDocumentTests` holds the document to the same routes).
final class RouteTable: Sendable {
    /// Path template (`/v1/processes/{name}`) → its methods. Written once by `APIServer.makeRouter`
    /// before the router serves, read by every request that misses a route.
    private let table = Locked<[String: Set<String>]>([:])

    func load(_ routes: [Router<BasicRequestContext>.RouteDescription]) {
        var out: [String: Set<String>] = [:]
        for r in routes { out[r.path.description, default: []].insert(r.method.rawValue) }
        table.withLock { $0 = out }
    }

    /// Every route as "METHOD /path", one per method, sorted by path then method.
    var routes: [String] {
        table.withLock { t in t.keys.sorted().flatMap { path in t[path]!.sorted().map { "\($0) \(path)" } } }
    }

    /// One line per path: "GET|PUT /v1/providers/{kind}" (methods sorted), sorted by path.
    var endpoints: [String] {
        table.withLock { t in t.keys.sorted().map { "\(t[$0]!.sorted().joined(separator: "|")) \($0)" } }
    }

    /// The methods whose path template (`{name}` = one segment) matches `path`, sorted; HEAD
    /// comes with GET. Empty when no template matches (then it is a 404, not a 405).
    func methods(allowedOn path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var out = Set<String>()
        table.withLock { t in
            for (template, methods) in t {
                let parts = template.split(separator: "/", omittingEmptySubsequences: true)
                guard parts.count == segments.count,
                      zip(parts, segments).allSatisfy({ p, s in (p.hasPrefix("{") && p.hasSuffix("}")) || p == s }) else { continue }
                out.formUnion(methods)
                if methods.contains("GET") { out.insert("HEAD") }
            }
        }
        return out.sorted()
    }
}
