import Foundation
import HostCore
import LightningAPIClient
import LightningProtocol

/// The in-process bus alone: the local bus library loaded through the ABI in this process,
/// `bus.publish` of pre-encoded batches (one subscription matching them, so every event is also
/// queued for delivery), with `durability` full (fsync per group commit) and memory.
enum BusBench {
    static func figures(_ ctx: BenchContext) async throws -> [Figure] {
        let b = "events"
        let loader = PluginLoader(logger: ctx.logger)
        let lib = try loader.loadLibrary(at: ctx.product("libLightningLocalEventBus.so"), expectedId: "local-eventbus")
        let batch = 1000
        let publishers = 2
        let total = ctx.scale(100_000, quick: 4_000)
        var figures: [Figure] = []

        // Floor: decoding the same batches as the plugin does (`Wire.decode`: FastJSON, then the
        // Codable types over the parsed tree), the least the plugin must do; and, for comparison,
        // Foundation's JSONDecoder alone on the same batches (what Wire.decode was until 2026-12-07).
        let sample = makeBatches(run: "floor", batches: 4, size: batch)
        let clock = ContinuousClock()
        let rounds = max(1, total / (4 * batch) / 4)
        var f0 = clock.now
        for _ in 0..<rounds { for d in sample { _ = try Wire.decode(PublishRequest.self, from: d) } }
        let decodeRate = rate(rounds * 4 * batch, clock.now - f0)
        f0 = clock.now
        for _ in 0..<rounds { for d in sample { _ = try JSONDecoder().decode(PublishRequest.self, from: d) } }
        let foundationRate = rate(rounds * 4 * batch, clock.now - f0)
        // The other direction: `Wire.encode` (FastJSONEncoder) against Foundation's JSONEncoder
        // with the wire's settings, on the same batches decoded (the same bytes come out).
        let decoded = try sample.map { try Wire.decode(PublishRequest.self, from: $0) }
        f0 = clock.now
        for _ in 0..<rounds { for r in decoded { _ = try Wire.encode(r) } }
        let encodeRate = rate(rounds * 4 * batch, clock.now - f0)
        f0 = clock.now
        for _ in 0..<rounds { for r in decoded { _ = try Wire.foundationEncode(r) } }
        let foundationEncodeRate = rate(rounds * 4 * batch, clock.now - f0)
        figures.append(Figure(b, "Wire.encode of bus batches (PublishRequest of \(batch) events)", unit: "events/s", value: encodeRate,
                              references: [.peer("Foundation JSONEncoder of the same batches", foundationEncodeRate)],
                              note: "FastJSONEncoder; the same bytes as the peer's (FastJSONEncoderTests)"))
        // Why POST /v1/events stays registered by hand (docs/architecture.md#the-rest-apis-server-side):
        // the route's own body parsing (`APIServer.events(from:)`: FastJSON once, events decoded
        // from the tree) against what the generated layer would do before any handler, decoding
        // the document's `PublishRequest` with JSONDecoder (dates as the generated server reads them).
        f0 = clock.now
        for _ in 0..<rounds { for d in sample { _ = try APIServer.events(from: d) } }
        let routeRate = rate(rounds * 4 * batch, clock.now - f0)
        let generated = JSONDecoder()
        generated.dateDecodingStrategy = .custom { d in
            let text = try d.singleValueContainer().decode(String.self)
            guard let t = Timestamp(rfc3339: text) else { throw DecodingError.dataCorrupted(.init(codingPath: d.codingPath, debugDescription: text)) }
            return t.date
        }
        f0 = clock.now
        for _ in 0..<rounds { for d in sample { _ = try generated.decode(Components.Schemas.PublishRequest.self, from: d) } }
        let generatedRate = rate(rounds * 4 * batch, clock.now - f0)
        figures.append(Figure(b, "POST /v1/events body parsing, as the route does it (batches of \(batch))", unit: "events/s", value: routeRate,
                              references: [.peer("the generated layer's decoding of the same bodies (PublishRequest)", generatedRate)],
                              note: "the hand-registered route's reason: the generated decode would run before the handler"))
        let floor = Reference.floor("Wire.decode of the same batches", decodeRate)
        let foundation = Reference.peer("Foundation JSONDecoder of the same batches", foundationRate)

        for durability in ["full", "memory"] {
            let dir = try ctx.scratch("bus-\(durability)")
            let bus = try lib.makeInstance(config: ["data_dir": .string(dir.path), "durability": .string(durability)])
            _ = try await bus.call(Method.subscribe, Subscription(name: "bench", patterns: ["bench.*"]), as: JSONValue.self)
            let batches = makeBatches(run: durability, batches: total / batch, size: batch)
            // Warm up (statements prepared, pages cached).
            for d in makeBatches(run: "warm-\(durability)", batches: 2, size: batch) { _ = try await bus.call(Method.publish, d) }
            let t0 = clock.now
            try await withThrowingTaskGroup(of: Void.self) { g in
                for p in 0..<publishers {
                    let mine = stride(from: p, to: batches.count, by: publishers).map { batches[$0] }
                    g.addTask { for d in mine { _ = try await bus.call(Method.publish, d) } }
                }
                try await g.waitForAll()
            }
            let r = rate(batches.count * batch, clock.now - t0)
            figures.append(Figure(b, "bus alone: bus.publish, batches of \(batch), durability \(durability), \(publishers) publishers",
                                  unit: "events/s", value: r, references: [floor, foundation], goal: .atLeast(500_000, "≥ 500k events/s"),
                                  note: durability == "full" ? "each publish call is one fsynced group commit" : "journal in memory, no file"))
            // One event per publish, sequential: the latency of a durable single publish.
            let singles = makeBatches(run: "single-\(durability)", batches: ctx.scale(2_000, quick: 100), size: 1)
            var i = 0
            let lat = try await measure(iterations: singles.count - singles.count / 10, warmup: singles.count / 10) {
                _ = try await bus.call(Method.publish, singles[i]); i += 1
            }
            figures.append(.latency(b, "bus alone: bus.publish of 1 event, durability \(durability)", lat))
            await bus.close()
        }
        return figures
    }

    /// `{"events":[...]}` bodies as the router sends them (ids, timestamps and metadata set).
    static func makeBatches(run: String, batches: Int, size: Int) -> [Data] {
        let ts = Timestamp.now().description
        return (0..<batches).map { n in
            let events = (0..<size).map { k in
                "{\"data\":{\"n\":\(n * size + k),\"text\":\"an event of about two hundred bytes on the wire\"},\"id\":\"\(run)-\(n)-\(k)\","
                    + "\"metadata\":{},\"priority\":\"normal\",\"source\":\"bench\",\"timestamp\":\"\(ts)\",\"type\":\"bench.tick\"}"
            }.joined(separator: ",")
            return Data("{\"events\":[\(events)]}".utf8)
        }
    }
}
