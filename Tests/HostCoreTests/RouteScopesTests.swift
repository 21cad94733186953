import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// `RouteScopes.table` is the one statement of what each route needs: it must cover every
/// served route, and the OpenAPI document must say the same for every operation.
@Suite struct RouteScopesTests {
    /// Served but deliberately not in the document (aliases and the summary).
    static let undocumented: Set = ["GET /", "GET /v1/health"]

    @Test func coversExactlyTheServedRoutes() {
        let table = Set(RouteScopes.table.keys)
        let served = OpenAPIDocumentTests.servedRoutes().union(Self.undocumented)
        #expect(served.subtracting(table).sorted() == [], "served routes without a scope in RouteScopes.table")
        #expect(table.subtracting(served).sorted() == [], "RouteScopes.table names routes nobody serves")
    }

    @Test func openAPIDocumentStatesTheSameScopeForEveryOperation() throws {
        let ops = try OpenAPIDocumentTests().operations()
        #expect(ops.count == RouteScopes.table.count - Self.undocumented.count)
        for op in ops {
            let want = try #require(RouteScopes.table[op.route], "\(op.route): in the document, not in RouteScopes.table")
            let scope = op.body["x-lightning-scope"] as? String
            let security = op.body["security"] as? [[String: Any]]
            switch want {
            case .open:
                #expect(scope == "none", "\(op.route): x-lightning-scope: expected \"none\" (open), got \(scope ?? "nothing")")
                #expect(security?.isEmpty == true, "\(op.route): expected \"security\": [] (open)")
            case .scope(let s):
                #expect(scope == s.rawValue, "\(op.route): x-lightning-scope: expected \"\(s.rawValue)\", got \(scope ?? "nothing")")
                #expect(security?.first?["bearer"] != nil, "\(op.route): expected \"security\": [{\"bearer\": []}]")
                let responses = op.body["responses"] as? [String: Any] ?? [:]
                #expect(responses["401"] != nil && responses["403"] != nil, "\(op.route): expected 401 and 403 responses")
            }
        }
        let schemes = try #require((try OpenAPIDocumentTests().document()["components"] as? [String: Any])?["securitySchemes"] as? [String: Any])
        #expect((schemes["bearer"] as? [String: Any])?["scheme"] as? String == "bearer")
    }

    @Test func matchesConcretePathsPreferringLiteralSegments() {
        #expect(RouteScopes.requirement(method: "GET", path: "/health") == .open)
        #expect(RouteScopes.requirement(method: "HEAD", path: "/v1/plugins") == .scope(.read))
        #expect(RouteScopes.requirement(method: "POST", path: "/v1/events") == .scope(.eventsWrite))
        #expect(RouteScopes.requirement(method: "PUT", path: "/v1/providers/storage") == .scope(.admin))
        #expect(RouteScopes.requirement(method: "GET", path: "/v1/processes/fn:x%231/logs") == .scope(.read))
        #expect(RouteScopes.requirement(method: "POST", path: "/v1/containers/images/pull") == .scope(.admin))
        #expect(RouteScopes.requirement(method: "GET", path: "/v1/containers/images") == .scope(.read))
        #expect(RouteScopes.requirement(method: "GET", path: "/v2/nothing") == nil)
        #expect(RouteScopes.requirement(method: "POST", path: "/health") == nil)
    }

    /// The compiled table (split once, by method and length) answers as the plain scan of the
    /// whole table did: every route matches itself with concrete values, and odd paths
    /// (trailing and double slashes, unknown methods, extra segments) agree with the scan.
    @Test func compiledMatchAgreesWithAScanOfTheWholeTable() {
        func scan(_ method: String, _ path: String) -> String? {
            let m = method == "HEAD" ? "GET" : method
            let segments = path.split(separator: "/", omittingEmptySubsequences: true)
            var best: (Int, String)?
            for route in RouteScopes.table.keys.sorted() {
                let parts = route.split(separator: " ", maxSplits: 1)
                guard parts[0] == m else { continue }
                let template = parts[1].split(separator: "/", omittingEmptySubsequences: true)
                guard template.count == segments.count else { continue }
                var literals = 0, ok = true
                for (t, s) in zip(template, segments) {
                    if t.hasPrefix("{") && t.hasSuffix("}") { continue }
                    if t == s { literals += 1 } else { ok = false; break }
                }
                if ok, literals > (best?.0 ?? -1) { best = (literals, route) }
            }
            return best?.1
        }
        var paths: [(String, String)] = []
        for route in RouteScopes.table.keys {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let concrete = parts[1].replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "x1", options: .regularExpression)
            #expect(RouteScopes.match(method: parts[0], path: concrete)?.route == route, "\(route) as \(concrete)")
            paths += [(parts[0], concrete), (parts[0], concrete + "/"), (parts[0], "/" + concrete), (parts[0], concrete + "/extra"),
                      ("HEAD", concrete), ("PATCH", concrete), (parts[0], parts[1])]
        }
        paths += [("GET", ""), ("GET", "/"), ("GET", "//"), ("POST", "/v1/containers/images/pull"), ("GET", "/v1/processes/a%2Fb/logs")]
        for (m, p) in paths {
            #expect(RouteScopes.match(method: m, path: p)?.route == scan(m, p), "\(m) \(p)")
        }
    }

    @Test func adminIncludesEveryScopeAndTheOthersAreIndependent() {
        #expect(Scope.allCases.allSatisfy { Scope.admin.grants($0) })
        #expect(!Scope.read.grants(.eventsWrite))
        #expect(!Scope.eventsWrite.grants(.read))
        #expect(!Scope.eventsWrite.grants(.admin))
    }
}

/// Which calls are audited, and what their events say.
@Suite struct AuditEventTests {
    @Test func auditsAdministrativeCallsOnly() {
        func audited(_ method: String, _ path: String) -> Bool {
            guard let m = RouteScopes.match(method: method, path: path) else { return false }
            return RouteScopes.isAudited(route: m.route, requirement: m.requirement)
        }
        #expect(audited("PUT", "/v1/providers/storage"))
        #expect(audited("POST", "/v1/functions"))
        #expect(audited("DELETE", "/v1/tokens/tok_1"))
        #expect(audited("POST", "/v1/processes/example-agent/restart"))
        #expect(!audited("POST", "/v1/events"))
        #expect(!audited("POST", "/v1/functions/wordcount/invoke"))
        #expect(!audited("GET", "/v1/config"))
        #expect(!audited("POST", "/v1/storage/containers/people/query"))
    }

    @Test func namesThePrincipalTheRouteAndTheOutcome() {
        let e = AuditEvent.make(route: "PUT /v1/providers/{kind}", method: "PUT", path: "/v1/providers/storage",
                                                                   status: 403, principal: "tok_abc")
        #expect(e.type == "audit.providers" && e.source == "lightning.audit")
        #expect(e.data == ["principal": "tok_abc", "method": "PUT", "route": "PUT /v1/providers/{kind}",
                           "path": "/v1/providers/storage", "status": 403, "outcome": "failed"])
        let ok = AuditEvent.make(route: "DELETE /v1/tokens/{id}", method: "DELETE", path: "/v1/tokens/tok_1",
                                                                    status: 204, principal: "anonymous")
        #expect(ok.type == "audit.tokens" && ok.data["outcome"] == "succeeded")
    }
}
