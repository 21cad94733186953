import Foundation
import LightningProtocol
import Logging

/// The local functions provider (built into the daemon, id `local-functions`): functions are
/// programs run as supervised children, one invocation per instance at a time, kept warm and
/// expired when idle (docs/functions.md). It answers the `functions.*` contract like any
/// provider, so the functions slot can hold it or a plugin (Azure Functions) alike.
///
/// Functions deployed over the API are kept in `<data_dir>/functions/<name>.json` and deployed
/// again at start, so a deployment survives restarts.
final class LocalFunctions: ProviderConnection {
    static let id = "local-functions"
    let label = "provider local-functions"
    private let supervisor: Supervisor
    private let router: EventRouter
    private let storeDir: URL
    private let configFor: @Sendable (Manifest) throws -> [String: JSONValue]
    private let logger = Logger(label: "lt.functions")
    private let pools = Locked<[String: FunctionPool]>([:])
    private let invocations = Locked(InvocationLog())

    init(supervisor: Supervisor, router: EventRouter, dataDir: URL, configFor: @escaping @Sendable (Manifest) throws -> [String: JSONValue]) {
        self.supervisor = supervisor; self.router = router
        self.storeDir = dataDir.appendingPathComponent("functions", isDirectory: true)
        self.configFor = configFor
    }

    func call(_ method: String, _ params: Data) async throws -> Data {
        switch method {
        case Method.functionDeploy:
            let r = try Wire.decode(DeployRequest.self, from: params)
            return try Wire.encode(try await deploy(json: r.manifest, persist: true))
        case Method.functionInvoke:
            return try Wire.encode(try await invoke(try Wire.decode(InvokeRequest.self, from: params)))
        case Method.functionInvocation:
            let k = try Wire.decode(InvocationKey.self, from: params)
            guard let inv = invocations.withLock({ $0.get(k.invocationId) }), inv.function == k.function else {
                throw WireError(.notFound, "no invocation \"\(k.invocationId)\" of function \"\(k.function)\" (results are kept for the last \(InvocationLog.capacity) invocations)")
            }
            return try Wire.encode(inv)
        case Method.functionInvocations:
            let r = try Wire.decode(FunctionName.self, from: params)
            let name = try pool(r.function).name
            let limit = min(max(r.limit ?? 50, 1), InvocationLog.capacity)
            return try Wire.encode(InvocationList(function: name, invocations: invocations.withLock { $0.recent(of: name, limit: limit) }))
        case Method.functionList:
            return try Wire.encode(FunctionList(functions: pools.withLock { Array($0.values) }.sorted { $0.name < $1.name }.map { $0.info() }))
        case Method.functionGet:
            return try Wire.encode(try pool(try Wire.decode(FunctionName.self, from: params).function).info())
        case Method.functionDelete:
            let n = try Wire.decode(FunctionName.self, from: params).function
            return try Wire.encode(DeleteResult(deleted: await delete(n)))
        case Method.functionLogs:
            let r = try Wire.decode(FunctionName.self, from: params)
            return try Wire.encode(logs(try pool(r.function), limit: min(max(r.limit ?? 200, 1), 1000)))
        case Method.health:
            return try Wire.encode(HealthReport(status: .healthy, latencyMs: 0, details: ["functions": .int(pools.withLock { $0.count })]))
        default:
            throw WireError(.unsupported, "method \"\(method)\" is not part of the functions contract (see docs/functions.md)")
        }
    }

    func close() async {
        for p in pools.withLock({ s -> [FunctionPool] in defer { s = [:] }; return Array(s.values) }) { await p.close() }
    }

    // MARK: Deploy

    /// Deploys a function manifest (replacing one of the same name). With `persist`, keeps it
    /// under the data directory so it is deployed again after a restart.
    func deploy(json: JSONValue, persist: Bool) async throws -> FunctionInfo {
        let data = try Wire.encode(json)
        let id = json["id"]?.stringValue ?? "function"
        let file = storeDir.appendingPathComponent("\(id).json")
        let m: Manifest
        do { m = try ManifestParser.parse(data: data, file: file) } catch let e as HostError {
            throw WireError(.invalidArgument, e.message)
        }
        guard m.kind == .function else {
            throw WireError(.invalidArgument, "field \"kind\": expected \"function\", got \"\(m.kind.rawValue)\"")
        }
        let info = try await deploy(m)
        if persist {
            try FileManager.default.createDirectory(at: storeDir, withIntermediateDirectories: true)
            try data.write(to: file, options: .atomic)
        }
        return info
    }

    /// Deploys a parsed function manifest.
    func deploy(_ m: Manifest) async throws -> FunctionInfo {
        var checker = FieldChecker()
        let spec = FunctionSpec.parse(id: m.id, function: m.raw["function"], triggers: m.triggers, &checker)
        let cfg: [String: JSONValue]
        do { cfg = try configFor(m) } catch let e as HostError { throw WireError(.invalidArgument, e.message) }
        // Check the program now, so a bad deployment is refused instead of failing every invocation.
        do { _ = try supervisor.makeChild(m, name: "fn:\(m.id)#check", config: cfg) } catch let e as HostError {
            throw WireError(.invalidArgument, e.message)
        }
        let pool = FunctionPool(manifest: m, spec: spec, config: cfg, supervisor: supervisor, logger: logger)
        let old = pools.withLock { p -> FunctionPool? in defer { p[m.id] = pool }; return p[m.id] }
        await old?.close()
        let trigger = Self.triggerName(m.id)
        if spec.eventTriggers.isEmpty {
            try? await router.unregister(trigger)
        } else {
            try await router.register(FunctionTrigger(name: trigger, capabilities: spec.eventTriggers, functions: self, function: m.id))
        }
        logger.info("function \(m.id) \(m.version) deployed (handler \(spec.handler), max_concurrency \(spec.maxConcurrency))")
        return pool.info()
    }

    static func triggerName(_ function: String) -> String { "function:\(function)" }

    func delete(_ name: String) async -> Bool {
        guard let p = pools.withLock({ $0.removeValue(forKey: name) }) else { return false }
        await p.close()
        try? await router.unregister(Self.triggerName(name))
        try? FileManager.default.removeItem(at: storeDir.appendingPathComponent("\(name).json"))
        return true
    }

    /// Deploys what an earlier run deployed over the API.
    func restoreDeployments() async {
        guard let files = try? FileManager.default.contentsOfDirectory(at: storeDir, includingPropertiesForKeys: nil) else { return }
        for f in files where f.pathExtension == "json" {
            do {
                let json = try Wire.decode(JSONValue.self, from: Data(contentsOf: f))
                _ = try await deploy(json: json, persist: false)
            } catch {
                logger.error("cannot redeploy \(f.lastPathComponent): \(error)")
            }
        }
    }

    // MARK: Invoke

    func invoke(_ r: InvokeRequest) async throws -> Invocation {
        let p = try pool(r.function)
        let id = UUID().uuidString.lowercased()
        if r.async == true {
            let running = Invocation(invocationId: id, function: r.function, status: .running, startedAt: .now())
            invocations.withLock { $0.put(running) }
            // An asynchronous invocation outlives its request by design; bounded by the function's timeout.
            Task {
                let out: Invocation
                do { out = try await p.invoke(r.input, invocationId: id) } catch let e as WireError {
                    out = Invocation(invocationId: id, function: r.function, status: .failed, error: e, startedAt: running.startedAt)
                } catch {
                    out = Invocation(invocationId: id, function: r.function, status: .failed, error: WireError(.internal, "\(error)"), startedAt: running.startedAt)
                }
                self.invocations.withLock { $0.put(out) }
                await self.announce(out)
            }
            return running
        }
        let out = try await p.invoke(r.input, invocationId: id)
        invocations.withLock { $0.put(out) }
        return out
    }

    /// `function.completed` / `function.failed` for asynchronous invocations (correlation id =
    /// the invocation id). The same data shape as a trigger's `function.completed`.
    private func announce(_ inv: Invocation) async {
        _ = try? await router.publish([Event(type: inv.status == .succeeded ? "function.completed" : "function.failed",
                                             source: inv.function, data: Self.eventData(inv), correlationId: inv.invocationId)])
    }

    /// `{function, invocation_id, status, output | error, duration_ms, cold_start, instance}`.
    static func eventData(_ inv: Invocation) -> JSONValue {
        (try? Wire.decode(JSONValue.self, from: Wire.encode(inv))).map { v -> JSONValue in
            guard case .object(var o) = v else { return v }
            o["started_at"] = nil
            return .object(o)
        } ?? .null
    }

    private func pool(_ name: String) throws -> FunctionPool {
        guard let p = pools.withLock({ $0[name] }) else {
            throw WireError(.notFound, "no function named \"\(name)\" (deploy it with POST /v1/functions or a manifest)")
        }
        return p
    }

    private func logs(_ p: FunctionPool, limit: Int) -> FunctionLogs {
        var lines: [FunctionLogs.Line] = []
        for n in p.instanceNames {
            guard let c = supervisor.child(n) else { continue }
            lines += c.logTail(limit).map { FunctionLogs.Line(at: $0.at, instance: n, stream: $0.stream, text: $0.text) }
        }
        return FunctionLogs(function: p.name, lines: Array(lines.sorted { $0.at < $1.at }.suffix(limit)))
    }
}

/// The last invocations' results, bounded.
struct InvocationLog {
    static let capacity = 1000
    private var byId: [String: Invocation] = [:]
    private var order: [String] = []

    mutating func put(_ i: Invocation) {
        if byId[i.invocationId] == nil { order.append(i.invocationId) }
        byId[i.invocationId] = i
        if order.count > Self.capacity { byId[order.removeFirst()] = nil }
    }

    func get(_ id: String) -> Invocation? { byId[id] }

    /// The latest `limit` invocations of `function` kept here, the latest started first (a
    /// synchronous invocation is recorded when it ends, so order by `started_at`, stable).
    func recent(of function: String, limit: Int) -> [Invocation] {
        let mine = order.reversed().compactMap { byId[$0] }.filter { $0.function == function }
        return Array(mine.enumerated().sorted { ($0.element.startedAt, -$0.offset) > ($1.element.startedAt, -$1.offset) }.prefix(limit).map(\.element))
    }
}

/// A function invoked by events: the router delivers matching events; the function's input is
/// the event's `data`, and its result is published as `function.completed` (correlation id =
/// the event). A failed invocation fails the delivery (retried, then dead-lettered).
struct FunctionTrigger: DriverEndpoint {
    let name: String
    let capabilities: [String]
    let functions: LocalFunctions
    let function: String

    func handle(_ event: Event) async throws -> [Event] {
        let input = event.data
        let inv = try await functions.invoke(InvokeRequest(function: function, input: input))
        if let e = inv.error { throw e }
        return [Event(type: "function.completed", source: function, data: LocalFunctions.eventData(inv))]
    }
}
