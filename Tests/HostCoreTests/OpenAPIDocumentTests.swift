import Foundation
@testable import HostCore
import Logging
import Testing

/// `OpenAPIDocument.json` (served at `GET /openapi.json`) must parse, be OpenAPI 3.1, describe
/// exactly the routes the router serves, and be internally consistent.
@Suite struct OpenAPIDocumentTests {
    /// The keys of an OpenAPI path item that name operations.
    static let httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// One operation of the document: `route` is "METHOD /path" (`{param}` style, as the router describes its paths).
    struct Operation {
        var route: String
        var body: [String: Any]
    }

    func document() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        return try #require(object as? [String: Any], "OpenAPIDocument.json: expected a JSON object at the top level")
    }

    func operations() throws -> [Operation] {
        let doc = try document()
        let paths = try #require(doc["paths"] as? [String: Any], "OpenAPIDocument.json: field \"paths\" missing or not an object")
        var out: [Operation] = []
        for (path, value) in paths {
            let item = try #require(value as? [String: Any], "paths[\"\(path)\"]: expected an object")
            for method in Self.httpMethods {
                guard let op = item[method] else { continue }
                let route = "\(method.uppercased()) \(path)"
                out.append(Operation(route: route, body: try #require(op as? [String: Any], "\(route): expected an object")))
            }
        }
        return out.sorted { $0.route < $1.route }
    }

    /// The routes the daemon's router serves, read from the router itself (Hummingbird's
    /// `Router.routes`), as "METHOD /path", without the deliberately undocumented ones
    /// (`RouteScopesTests.undocumented`).
    static func servedRoutes() -> Set<String> {
        var config = DaemonConfig()
        config.dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-routes-\(UUID().uuidString.prefix(8))")
        let api = APIServer(daemon: Daemon(config: config, logger: Logger(label: "test")))
        _ = api.makeRouter()
        return Set(api.routeTable.routes).subtracting(RouteScopesTests.undocumented)
    }

    /// True when `ref` is a local JSON pointer (`#/a/b`) that names something in `root`.
    static func resolves(_ ref: String, in root: Any) -> Bool {
        guard ref.hasPrefix("#/") else { return false }
        var node: Any = root
        for raw in ref.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let token = String(raw).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let object = node as? [String: Any], let next = object[token] {
                node = next
            } else if let array = node as? [Any], let index = Int(token), array.indices.contains(index) {
                node = array[index]
            } else {
                return false
            }
        }
        return true
    }

    @Test func parsesAsOpenAPI31() throws {
        let doc = try document()
        let version = try #require(doc["openapi"] as? String, "field \"openapi\" missing or not a string")
        #expect(version.hasPrefix("3.1"), "field \"openapi\": expected 3.1.x, got \(version)")
        let info = try #require(doc["info"] as? [String: Any], "field \"info\" missing or not an object")
        #expect(info["title"] is String, "field \"info.title\" missing")
        #expect(info["version"] is String, "field \"info.version\" missing")
    }

    @Test func listsExactlyTheRoutesTheRouterServes() throws {
        let documented = Set(try operations().map(\.route))
        let served = Self.servedRoutes()
        let missingFromDocument = served.subtracting(documented).sorted()
        let notServed = documented.subtracting(served).sorted()
        #expect(
            missingFromDocument.isEmpty && notServed.isEmpty,
            """
            The OpenAPI document and the router's routes differ.
            Served but not in the document: \(missingFromDocument)
            In the document but not served: \(notServed)
            """
        )
    }

    @Test func everyOperationHasAnIdAndASuccessResponse() throws {
        let ops = try operations()
        #expect(!ops.isEmpty, "the document has no operations")
        var seen: [String: String] = [:]
        for op in ops {
            if let id = op.body["operationId"] as? String, !id.isEmpty {
                if let other = seen[id] {
                    Issue.record("\(op.route): operationId \"\(id)\" is also used by \(other)")
                }
                seen[id] = op.route
            } else {
                Issue.record("\(op.route): operationId missing")
            }
            guard let responses = op.body["responses"] as? [String: Any] else {
                Issue.record("\(op.route): responses missing or not an object")
                continue
            }
            let success = responses.keys.filter { $0.count == 3 && $0.hasPrefix("2") }
            #expect(!success.isEmpty, "\(op.route): no 2xx response among \(responses.keys.sorted())")
        }
    }

    /// What any route may answer before its handler runs is documented on every operation: the
    /// front door's 408/414/431, 413 where there is a body (size and JSON shape limits), 429 where a
    /// token is needed (its rate limit), 400 where there is a body or a parameter to validate. Schemathesis holds the daemon to the documented statuses.
    @Test func everyOperationDocumentsTheLimitsItCanHit() throws {
        var missing: [String] = []
        for op in try operations() {
            let responses = op.body["responses"] as? [String: Any] ?? [:]
            var needed = ["408", "414", "431"]
            if op.body["requestBody"] != nil { needed.append("413") }
            // Path and query parameters and bodies are validated: a bad one is 400.
            if op.body["requestBody"] != nil || !((op.body["parameters"] as? [Any]) ?? []).isEmpty || op.route.contains("{") { needed.append("400") }
            if (op.body["security"] as? [Any])?.isEmpty != true { needed.append("429") }
            for code in needed where responses[code] == nil { missing.append("\(op.route): \(code)") }
        }
        #expect(missing.isEmpty, "operations without these responses:\n\(missing.joined(separator: "\n"))")
    }

    @Test func everyReferenceResolvesInsideTheDocument() throws {
        let doc = try document()
        var refs: Set<String> = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let ref = object["$ref"] as? String { refs.insert(ref) }
                for child in object.values { collect(child) }
            } else if let array = value as? [Any] {
                for child in array { collect(child) }
            }
        }
        collect(doc)
        #expect(!refs.isEmpty, "the document has no $ref (components unused?)")
        for ref in refs.sorted() {
            #expect(Self.resolves(ref, in: doc), "$ref \"\(ref)\" does not resolve inside the document")
        }
    }
}
