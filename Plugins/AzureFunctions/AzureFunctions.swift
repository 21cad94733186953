public import CLightningABI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import AzureSupport
import LightningPluginKit
import LightningProtocol
import Synchronization

/// The `functions` contract (docs/functions.md#the-functions-contract) on an Azure Functions
/// app, through the app's own invoke surface (docs/azure-functions.md):
///
/// ```
/// functions.invoke ─▶ trigger "http"  ─▶ {method} {app_url}/{route_prefix}/{route}   x-functions-key: key
///                  │                      body = the input (JSON) → output = the reply body
///                  └▶ trigger "other" ─▶ POST {app_url}/admin/functions/{name}       x-functions-key: master key
///                                         body = {"input": "<input as text>"} → 202, no output
/// functions.list / get  ─▶ the configured functions, with counters kept by this instance
/// functions.invocation  ─▶ the last invocations made through this instance (memory only)
/// functions.invocations ─▶ the same records of one function, the latest started first
/// functions.deploy / delete / logs ─▶ unsupported (Azure tooling, Application Insights)
/// health ─▶ GET {app_url}/admin/host/status with the master key, when one is configured
/// ```
///
/// Threading: every method may run concurrently; state is in `InvocationBook` (a `Mutex`) and
/// the set of background tasks of asynchronous invocations.
final class AzureFunctions: FunctionsPlugin {
    static let id = "azure-functions"
    let config: AzureFunctionsConfig
    let context: PluginContext
    let http: AzureHTTP
    let book: InvocationBook
    private let background = Mutex<[UUID: Task<Void, Never>]>([:])

    init(context: PluginContext) throws {
        self.context = context
        config = try AzureFunctionsConfig(context.config)
        http = AzureHTTP(service: "Azure Functions", timeout: Double(config.timeoutMs) / 1000)
        book = InvocationBook(capacity: config.maxRecorded)
    }

    var policy: AzureHTTP.RetryPolicy {
        AzureHTTP.RetryPolicy(maxThrottleRetries: config.maxThrottleRetries, ceiling: .milliseconds(config.maxRetryWaitMs))
    }

    /// The host name invocations report as their `instance`.
    var appHost: String { config.appURL.host.map { h in config.appURL.port.map { "\(h):\($0)" } ?? h } ?? config.appURL.absoluteString }

    func unknown(_ name: String) -> WireError {
        let names = config.functions.map(\.name)
        return WireError(.notFound, "no function named \"\(name)\" in the azure-functions config (functions: \(names.isEmpty ? "none" : names.joined(separator: ", "))); list it under \"functions\" to invoke it")
    }

    // MARK: functions.*

    func deploy(_ r: DeployRequest) async throws -> FunctionInfo {
        throw WireError(.unsupported, "deploying code is not part of Azure Functions' invoke REST surface; deploy with Azure tooling, then list the function in this plugin's config")
    }

    func delete(_ r: FunctionName) async throws -> DeleteResult {
        throw WireError(.unsupported, "deleting a function is not part of Azure Functions' invoke REST surface; delete it with Azure tooling, then remove it from this plugin's config")
    }

    func logs(_ r: FunctionName) async throws -> FunctionLogs {
        throw WireError(.unsupported, "Azure Functions keeps function logs in Application Insights, which this plugin does not read; query Application Insights or stream them with `func azure functionapp logstream`")
    }

    func list() async throws -> FunctionList {
        FunctionList(functions: config.functions.map(info).sorted { $0.name < $1.name })
    }

    func get(_ r: FunctionName) async throws -> FunctionInfo {
        guard let f = config.function(named: r.function) else { throw unknown(r.function) }
        return info(f)
    }

    func info(_ f: AzureFunctionsConfig.Function) -> FunctionInfo {
        let (stats, busy) = book.stats(f.name)
        let handler = f.trigger == .http
            ? "\(f.method) /\(config.routePrefix.isEmpty ? "" : config.routePrefix + "/")\(f.route)"
            : "POST /admin/functions/\(f.name) (trigger other)"
        return FunctionInfo(name: f.name, version: "azure", handler: handler, timeoutMs: config.timeoutMs,
                            maxConcurrency: 0, maxQueue: 0, idleTimeoutMs: 0, triggers: [], instances: 0,
                            busy: busy, queued: 0, stats: stats)
    }

    func invocation(_ k: InvocationKey) async throws -> Invocation {
        guard let inv = book.lookup(k.invocationId), inv.function.caseInsensitiveCompare(k.function) == .orderedSame else {
            if config.function(named: k.function) == nil { throw unknown(k.function) }
            throw WireError(.notFound, "no invocation \"\(k.invocationId)\" of function \"\(k.function)\" (this instance keeps the last \(config.maxRecorded) invocations it made, in memory)")
        }
        return inv
    }

    func invocations(_ r: FunctionName) async throws -> InvocationList {
        guard let f = config.function(named: r.function) else { throw unknown(r.function) }
        return InvocationList(function: f.name, invocations: book.recent(of: f.name, limit: min(max(r.limit ?? 50, 1), config.maxRecorded)))
    }

    func invoke(_ r: InvokeRequest) async throws -> Invocation {
        guard let f = config.function(named: r.function) else { throw unknown(r.function) }
        let id = UUID().uuidString.lowercased()
        let started = Timestamp.now()
        guard r.async == true else {
            let inv = try await run(f, input: r.input, id: id, started: started)
            book.record(inv)
            return inv
        }
        let running = Invocation(invocationId: id, function: f.name, status: .running, instance: appHost, startedAt: started)
        book.record(running)
        let key = UUID()
        let task = Task { [self] in
            let inv: Invocation
            do {
                inv = try await run(f, input: r.input, id: id, started: started)
            } catch {
                let e = error as? WireError ?? WireError(.internal, "\(error)")
                inv = Invocation(invocationId: id, function: f.name, status: .failed, error: e,
                                 durationMs: Self.ms(since: started), instance: appHost, startedAt: started)
            }
            book.record(inv)
            announce(inv)
            _ = background.withLock { $0.removeValue(forKey: key) }
        }
        background.withLock { $0[key] = task }
        return running
    }

    /// Publishes the end of an asynchronous invocation, as `local-functions` does.
    func announce(_ inv: Invocation) {
        guard let data = try? Wire.decode(JSONValue.self, from: Wire.encode(inv)) else { return }
        let event = Event(type: inv.status == .succeeded ? "function.completed" : "function.failed", source: Self.id,
                          data: data, correlationId: inv.invocationId)
        do { try context.emit([event]) } catch {
            context.log(.debug, "could not publish \(event.type) for invocation \(inv.invocationId): \(error)")
        }
    }

    func shutdown() async {
        let tasks = background.withLock { t -> [Task<Void, Never>] in defer { t.removeAll() }; return Array(t.values) }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
    }

    static func ms(since t: Timestamp) -> Double { Double(Timestamp.now().millis - t.millis) }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "azure-functions", version: "1.0.0") { try AzureFunctions(context: $0) }
}
