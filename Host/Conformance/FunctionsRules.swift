import Foundation
import HostCore
public import LightningProtocol

/// The functions contract (docs/plugin-abi.md#functions), rule by rule, for any functions
/// provider: the built-in `local-functions`, `azure-functions`, a third party's.
///
/// The rules deploy nothing (deploying is optional, and a program to deploy is the provider's
/// business): they need the provider to offer one function that answers its input as its output,
/// the fixture `function` (default `echo`; `lightning plugins test --fixture function=NAME`).
public enum FunctionsRules {
    static let doc = "docs/plugin-abi.md"
    static let methods = "\(doc)#functions-methods"
    static let invocations = "\(doc)#functions-invocations"
    static let errors = "\(doc)#functions-errors"

    public static var all: [ConformanceRule] {
        [invokeSync, invokeConcurrent, invocationLookup, invocationList, invokeAsync, unknownFunction, listOrder, badParams, optionalMethods, health]
    }

    static func rule(_ id: String, _ section: String, _ summary: String,
                     _ body: @escaping @Sendable (ConformanceCheck) async throws -> Void) -> ConformanceRule {
        ConformanceRule("functions.\(id)", .functions, section: section, summary, body: body)
    }

    static let probe: JSONValue = ["text": "to be or not", "n": 3, "ratio": 0.5, "flag": true, "none": nil, "list": [1, "two", ["three": 3]]]

    static let invokeSync = rule("invoke.sync", invocations, "a synchronous invoke answers the finished invocation: status succeeded, the output, its id, function, started_at and duration_ms") { s in
        let name = try s.fixture("function", default: "echo")
        let inv = try await s.invoke(name, probe)
        s.expectEqual(inv.status.rawValue, "succeeded", "status")
        s.expectEqual(inv.output, probe, "output of \(name)")
        s.expectEqual(inv.function, name, "function")
        s.expect(inv.error == nil, "error: expected none on a succeeded invocation, got \(inv.error.map { "\($0.code.rawValue): \($0.message)" } ?? "")")
        s.expect(!inv.invocationId.isEmpty, "invocation_id: expected one, got an empty string")
        s.expect((inv.durationMs ?? -1) >= 0, "duration_ms: expected ≥ 0 on a finished invocation, got \(inv.durationMs.map { "\($0)" } ?? "none")")
        let raw = try await s.raw(Method.functionInvoke, #"{"function":"\#(name)","input":"plain text"}"#)
        s.expectEqual(raw["output"], .string("plain text"), "output for a string input")
        s.expect(raw["started_at"]?.stringValue?.hasSuffix("Z") == true, "started_at: expected an RFC 3339 UTC timestamp, got \(raw["started_at"] ?? nil)")
    }

    static let invokeConcurrent = rule("invoke.concurrent", invocations, "16 concurrent invocations each answer their own output under their own invocation id") { s in
        let name = try s.fixture("function", default: "echo")
        let results = try await withThrowingTaskGroup(of: (Int, Invocation).self) { group in
            for n in 0..<16 { group.addTask { (n, try await s.invoke(name, ["n": .int(n)])) } }
            return try await group.reduce(into: [(Int, Invocation)]()) { $0.append($1) }
        }
        for (n, inv) in results {
            s.expectEqual(inv.output, ["n": .int(n)], "output of invocation \(n)")
        }
        s.expectEqual(Set(results.map(\.1.invocationId)).count, 16, "distinct invocation ids")
    }

    static let invocationLookup = rule("invocation", invocations, "functions.invocation answers a finished invocation by its id; an unknown id, or the id under another function, is not_found") { s in
        let name = try s.fixture("function", default: "echo")
        let inv = try await s.invoke(name, ["look": "up"])
        let found = try await s.call(Method.functionInvocation, InvocationKey(function: name, invocationId: inv.invocationId), as: Invocation.self)
        s.expectEqual(found.invocationId, inv.invocationId, "invocation_id")
        s.expectEqual(found.status.rawValue, "succeeded", "status")
        s.expectEqual(found.output, ["look": "up"], "output")
        await s.expectError(Method.functionInvocation, InvocationKey(function: name, invocationId: "conformance-\(s.token)"), .notFound, "unknown id")
        await s.expectError(Method.functionInvocation, InvocationKey(function: "conformance-\(s.token)", invocationId: inv.invocationId), .notFound,
                            "the id under an unknown function")
    }

    static let invocationList = rule("invocations", invocations, "functions.invocations lists a function's kept invocations, the latest started first, at most limit (or answers unsupported)") { s in
        let name = try s.fixture("function", default: "echo")
        var ids: [String] = []
        for n in 0..<3 {
            ids.append(try await s.invoke(name, ["n": .int(n)]).invocationId)
            try await Task.sleep(for: .milliseconds(5))  // distinct started_at, even at millisecond resolution
        }
        switch await s.attempt(Method.functionInvocations, FunctionName(function: name, limit: 1000)) {
        case .failure(let e):
            s.expect(e.code == .unsupported, "invocations: expected a list or unsupported, got \(e.code.rawValue): \(e.message)")
        case .success(let v):
            let list = try Wire.decode(InvocationList.self, from: try Wire.encode(v), what: "result of functions.invocations")
            s.expectEqual(list.function, name, "function")
            let listed = list.invocations.map(\.invocationId).filter { ids.contains($0) }
            s.expectEqual(listed, ids.reversed(), "the three invocations, latest first")
            let one = try await s.call(Method.functionInvocations, FunctionName(function: name, limit: 1), as: InvocationList.self)
            s.expectEqual(one.invocations.map(\.invocationId), [ids[2]], "limit 1")
        }
    }

    static let invokeAsync = rule("invoke.async", invocations, "an asynchronous invoke answers status running at once; functions.invocation then shows it succeeded with its output") { s in
        let name = try s.fixture("function", default: "echo")
        let running = try await s.call(Method.functionInvoke, InvokeRequest(function: name, input: ["later": true], async: true), as: Invocation.self)
        s.expectEqual(running.status.rawValue, "running", "status of the answer")
        s.expect(running.output == nil, "output: expected none while running, got \(running.output ?? nil)")
        s.expect(!running.invocationId.isEmpty, "invocation_id: expected one, got an empty string")
        let deadline = ContinuousClock.now + .seconds(60)
        var last = running
        while last.status == .running, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            last = try await s.call(Method.functionInvocation, InvocationKey(function: name, invocationId: running.invocationId), as: Invocation.self)
        }
        s.expectEqual(last.status.rawValue, "succeeded", "status within 60 s")
        s.expectEqual(last.output, ["later": true], "output")
    }

    static let unknownFunction = rule("unknown-function", errors, "get, invoke and invocation of an unknown function are not_found; logs and invocations are not_found (or unsupported); delete answers deleted: false (or unsupported)") { s in
        let ghost = "conformance-\(s.token)"
        await s.expectError(Method.functionGet, FunctionName(function: ghost), .notFound, "get")
        await s.expectError(Method.functionInvoke, InvokeRequest(function: ghost, input: [:]), .notFound, "invoke")
        await s.expectError(Method.functionInvoke, InvokeRequest(function: ghost, input: [:], async: true), .notFound, "asynchronous invoke")
        await s.expectError(Method.functionInvocation, InvocationKey(function: ghost, invocationId: "x"), .notFound, "invocation")
        if case .failure(let e) = await s.attempt(Method.functionLogs, FunctionName(function: ghost)) {
            s.expect([.notFound, .unsupported].contains(e.code), "logs of an unknown function: expected not_found or unsupported, got \(e.code.rawValue): \(e.message)")
        } else {
            s.fail("logs of an unknown function: expected not_found or unsupported, got success")
        }
        if case .failure(let e) = await s.attempt(Method.functionInvocations, FunctionName(function: ghost)) {
            s.expect([.notFound, .unsupported].contains(e.code), "invocations of an unknown function: expected not_found or unsupported, got \(e.code.rawValue): \(e.message)")
        } else {
            s.fail("invocations of an unknown function: expected not_found or unsupported, got success")
        }
        for attempt in 1...2 {
            switch await s.attempt(Method.functionDelete, FunctionName(function: ghost)) {
            case .success(let v): s.expectEqual(v, ["deleted": false], "delete #\(attempt) of an unknown function")
            case .failure(let e): s.expect(e.code == .unsupported, "delete #\(attempt) of an unknown function: expected {\"deleted\": false} or unsupported, got \(e.code.rawValue): \(e.message)")
            }
        }
    }

    static let listOrder = rule("list", methods, "list answers every function sorted by name, the fixture among them; get answers the same function") { s in
        let name = try s.fixture("function", default: "echo")
        let names = try await s.call(Method.functionList, Empty(), as: FunctionList.self).functions.map(\.name)
        s.expectEqual(names, names.sorted(), "list order")
        s.expectEqual(Set(names).count, names.count, "distinct names in the list")
        s.expect(names.contains(name), "list: expected \(name) among \(names)")
        s.expectEqual(try await s.call(Method.functionGet, FunctionName(function: name), as: FunctionInfo.self).name, name, "get")
    }

    static let badParams = rule("params", errors, "params without a required field, or of the wrong type, are invalid_argument") { s in
        await s.expectError(Method.functionInvoke, JSONValue.object(["input": [:]]), .invalidArgument, "invoke without function")
        await s.expectError(Method.functionInvoke, JSONValue.object(["function": 5, "input": [:]]), .invalidArgument, "invoke with a number as function")
        await s.expectError(Method.functionGet, Empty(), .invalidArgument, "get without function")
        await s.expectError(Method.functionInvocation, JSONValue.object(["function": "echo"]), .invalidArgument, "invocation without invocation_id")
    }

    static let optionalMethods = rule("unsupported", "\(doc)#functions-what-unsupported-means", "only deploy, delete, logs and invocations may answer unsupported; a deploy that is not a function manifest is invalid_argument (or unsupported); unknown methods are unsupported") { s in
        switch await s.attempt(Method.functionDeploy, DeployRequest(manifest: ["manifest_version": 1, "id": "x", "kind": "agent"])) {
        case .success(let v): s.fail("deploy of an agent manifest: expected invalid_argument or unsupported, got \(v)")
        case .failure(let e):
            s.expect([.invalidArgument, .unsupported].contains(e.code), "deploy of an agent manifest: expected invalid_argument or unsupported, got \(e.code.rawValue): \(e.message)")
            s.expect(!e.message.isEmpty, "deploy of an agent manifest: expected a message")
        }
        await s.expectError("functions.conformance-no-such-method", Empty(), .unsupported, "an unknown method")
        let name = try s.fixture("function", default: "echo")
        for (method, params) in [(Method.functionList, "{}"), (Method.functionGet, #"{"function":"\#(name)"}"#)] {
            if case .failure(let e) = await s.attempt(method, params) {
                s.fail("\(method): a required method, expected success, got \(e.code.rawValue): \(e.message)")
            }
        }
    }

    static let health = rule("health", "\(doc)#health", "health answers healthy with a latency") { s in
        let report = try await s.call(Method.health, Empty(), as: HealthReport.self)
        s.expectEqual(report.status, .healthy, "status")
        s.expect(report.latencyMs >= 0, "latency_ms: expected ≥ 0, got \(report.latencyMs)")
    }
}

extension ConformanceCheck {
    func invoke(_ function: String, _ input: JSONValue) async throws -> Invocation {
        try await call(Method.functionInvoke, InvokeRequest(function: function, input: input), as: Invocation.self)
    }

    /// Calls `method`: its JSON result, or the error it answered (any other failure as `internal`).
    public func attempt<P: Encodable>(_ method: String, _ params: P) async -> Result<JSONValue, WireError> {
        do {
            let out = try await connection.call(method, try Wire.encode(params))
            return .success(try Wire.decode(JSONValue.self, from: out, what: "result of \(method)"))
        } catch let e as WireError {
            return .failure(e)
        } catch {
            return .failure(WireError(.internal, "\(error)"))
        }
    }

    /// `attempt` with literal JSON params.
    public func attempt(_ method: String, _ json: String) async -> Result<JSONValue, WireError> {
        do {
            return .success(try await raw(method, json))
        } catch let e as WireError {
            return .failure(e)
        } catch {
            return .failure(WireError(.internal, "\(error)"))
        }
    }
}
