import Foundation
import HostCore
import LightningProtocol

/// `abi`: in-process provider calls through the real loader and C ABI (`PluginLoader`,
/// `LoadedPlugin.makeInstance`, `ProviderConnection.call`), against the shipped echo driver,
/// the shipped C example driver and a no-op C plugin built at run time. Floors: the smallest
/// async call (a continuation resumed at once) and a direct Swift call doing the same JSON work.
struct ABIBenchmark: Benchmark {
    let name = "abi"
    let summary = "in-process plugin calls through the C ABI vs direct Swift calls"

    func run(_ ctx: BenchContext) async throws -> [Figure] {
        let n = ctx.scale(20_000, quick: 300)
        let warm = max(50, n / 10)
        let loader = PluginLoader(logger: ctx.logger)
        let echo = try loader.loadLibrary(at: ctx.product("libLightningEchoDriver.so"), expectedId: "echo-driver")
            .makeInstance(config: ["prefix": ""])
        let cDriver = try loader.loadLibrary(at: ctx.product("libLightningCExampleDriver.so"), expectedId: "c-example-driver")
            .makeInstance(config: [:])
        let noopLib = try CBuild.build("noop_plugin.c", output: "libbench-noop.so", ctx: ctx, shared: true)
        let noop = try loader.loadLibrary(at: noopLib, expectedId: "bench-noop").makeInstance(config: [:])

        // Floors.
        let asyncFloor = await measure(iterations: n, warmup: warm) { _ = await Self.immediate() }
        let event = Self.event()
        let request = HandleRequest(event: event)
        let requestBytes = try Wire.encode(request).count
        let jsonFloor = try measureSync(iterations: n, warmup: warm) { _ = try Self.directSwiftHandle(request) }
        let hostHalfFloor = try measureSync(iterations: n, warmup: warm) {
            let d = try Wire.encode(request)
            _ = try Wire.decode(HandleRequest.self, from: d)
        }
        let empty = Data("{}".utf8)
        let asyncRef = Reference.floor("async call resumed at once", asyncFloor.median / 1e3, p99: asyncFloor.p99 / 1e3)
        let jsonRef = Reference.floor("direct Swift call, same JSON work", jsonFloor.median / 1e3, p99: jsonFloor.p99 / 1e3)

        // No-op calls.
        let cNoop = try await measure(iterations: n, warmup: warm) { _ = try await noop.call("noop", empty) }
        let swiftNoop = try await measure(iterations: n, warmup: warm) { _ = try await echo.call(Method.health, empty) }
        let cThread = try await measure(iterations: n, warmup: warm) { _ = try await cDriver.call(Method.health, empty) }

        // ~200 B JSON request and response.
        let handle = try await measure(iterations: n, warmup: warm) {
            let out = try await echo.call(Method.handle, request, as: HandleResult.self)
            precondition(out.events.count == 1)
        }
        let cEcho = try await measure(iterations: n, warmup: warm) {
            _ = try await noop.call("echo", request, as: HandleRequest.self)
        }

        // Throughput: several callers at once (the pool has one thread per CPU).
        let callers = 8
        let perCaller = max(20, n / callers)
        let clock = ContinuousClock()
        let t0 = clock.now
        try await withThrowingTaskGroup(of: Void.self) { g in
            for _ in 0..<callers {
                g.addTask { for _ in 0..<perCaller { _ = try await echo.call(Method.handle, request, as: HandleResult.self) } }
            }
            try await g.waitForAll()
        }
        let abiRate = rate(callers * perCaller, clock.now - t0)

        // The process tier: the same echo driver in a `lightning plugin-host` child (stdio JSON-RPC).
        let isolated = ChildHostedConnection.launch(executable: ctx.product("lightning"), library: ctx.product("libLightningEchoDriver.so"),
                                                    id: "echo-driver", config: ["prefix": ""], name: "bench:echo-driver")
        let pn = max(100, n / 4)
        let processNoop = try await measure(iterations: pn, warmup: max(20, pn / 10)) { _ = try await isolated.call(Method.health, empty) }
        let processHandle = try await measure(iterations: pn, warmup: max(20, pn / 10)) {
            let out = try await isolated.call(Method.handle, request, as: HandleResult.self)
            precondition(out.events.count == 1)
        }
        await isolated.close()
        let t1 = clock.now
        try await withThrowingTaskGroup(of: Void.self) { g in
            for _ in 0..<callers {
                g.addTask { for _ in 0..<perCaller { _ = try Self.directSwiftHandle(request) } }
            }
            try await g.waitForAll()
        }
        let directRate = rate(callers * perCaller, clock.now - t1)
        await echo.close(); await cDriver.close(); await noop.close()

        let b = name
        return [
            .latency(b, "no-op call, C plugin completing inside call()", cNoop, references: [asyncRef],
                     note: "host side of the ABI alone: continuation, C call, completion, result copy"),
            .latency(b, "no-op call (health), Swift echo driver (PluginKit)", swiftNoop, references: [asyncRef]),
            .latency(b, "no-op call (health), C example driver (worker thread)", cThread, references: [asyncRef]),
            .latency(b, "driver.handle \(requestBytes) B JSON, Swift echo driver", handle, references: [jsonRef],
                     goal: .atMost(15, "≤ 15 µs with JSON"),
                     note: "host encodes HandleRequest, plugin decodes it, builds the reply, encodes HandleResult, host decodes it"),
            .latency(b, "\(requestBytes) B JSON to a C plugin that copies it back", cEcho,
                     references: [.floor("Swift encode+decode of the same request", hostHalfFloor.median / 1e3, p99: hostHalfFloor.p99 / 1e3)],
                     note: "the host's half of the JSON work plus the ABI crossing"),
            .latency(b, "no-op call (health), Swift echo driver, process tier", processNoop, references: [.floor("in-process", swiftNoop.median / 1e3, p99: swiftNoop.p99 / 1e3)],
                     note: "isolation: process — JSON-RPC line over the child's stdin/stdout, both ways, plus the in-process call inside the child"),
            .latency(b, "driver.handle \(requestBytes) B JSON, Swift echo driver, process tier", processHandle,
                     references: [.floor("in-process", handle.median / 1e3, p99: handle.p99 / 1e3)]),
            Figure(b, "driver.handle throughput, \(callers) concurrent callers", unit: "calls/s", value: abiRate,
                   references: [.floor("direct Swift calls, same JSON work, \(callers) tasks", directRate)]),
        ]
    }

    /// The smallest asynchronous call: a continuation resumed before it returns.
    static func immediate() async -> Data {
        await withCheckedContinuation { $0.resume(returning: Data()) }
    }

    /// A ~200-byte event, like a small tool request.
    static func event() -> Event {
        Event(type: "echo.request", source: "bench",
              data: ["text": "hello from the benchmark suite", "n": 42, "tags": ["a", "b"]])
    }

    /// What the ABI call does, as plain Swift: encode the request, decode it (plugin side),
    /// build the reply as the echo driver does, encode the result, decode it (host side).
    static func directSwiftHandle(_ request: HandleRequest) throws -> HandleResult {
        let params = try Wire.encode(request)
        let decoded = try Wire.decode(HandleRequest.self, from: params)
        var data = decoded.event.data.objectValue ?? [:]
        data["echoed_by"] = .string("echo-driver")
        let reply = HandleResult(events: [Event(type: "echo.reply", source: "echo-driver", data: .object(data), userId: decoded.event.userId)])
        return try Wire.decode(HandleResult.self, from: try Wire.encode(reply))
    }
}
