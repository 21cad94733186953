import Foundation
import LightningProtocol
import LightningTestSupport
import Synchronization
import Testing

/// The storage swap tests' workload: a `ledger` container with 50 seed documents, and a writer
/// that keeps adding documents (`w-0`, `w-1`, …) through the daemon's API until stopped.
final class LedgerWriter: Sendable {
    static let seeds = (0..<50).map { "seed-\($0)" }

    private final class Flag: Sendable { let stop = Mutex(false) }
    private let flag = Flag()
    // Not in a task group: it runs beside the swap the test drives, and `stop()` awaits it.
    private let writer: Task<(written: [String], worst: Duration), any Error>

    /// Creates the ledger with its seeds on `d`, then starts writing.
    static func start(on d: TestDaemon) async throws -> LedgerWriter {
        #expect(try await d.put("/v1/storage/containers/ledger", [:]).status == 201)
        for (i, id) in seeds.enumerated() {
            _ = try await d.post("/v1/storage/containers/ledger/documents", ["id": .string(id), "data": ["n": .int(i)]])
        }
        return LedgerWriter(d)
    }

    private init(_ d: TestDaemon) {
        let flag = flag
        writer = Task {
            var written: [String] = []
            var worst = Duration.zero
            let clock = ContinuousClock()
            while !flag.stop.withLock({ $0 }) {
                let id = "w-\(written.count)"
                let t0 = clock.now
                let r = try await d.post("/v1/storage/containers/ledger/documents", ["id": .string(id), "data": ["n": .int(written.count)]])
                worst = max(worst, clock.now - t0)
                guard r.status == 201 else { throw TestFailure("write \(id): HTTP \(r.status) \(r.text)") }
                written.append(id)
            }
            return (written, worst)
        }
    }

    /// Stops writing; returns the ids the daemon acknowledged and the slowest write.
    func stop() async throws -> (written: [String], worst: Duration) {
        flag.stop.withLock { $0 = true }
        return try await writer.value
    }

    /// Every document id in the ledger, read page by page; each page must come from a provider
    /// whose id starts with `provider`.
    static func allIds(_ d: TestDaemon, servedBy provider: String) async throws -> Set<String> {
        var found = Set<String>()
        var token: String?
        repeat {
            var body: [String: JSONValue] = ["max_items": 1000]
            if let token { body["continuation"] = .string(token) }
            let page = try await d.post("/v1/storage/containers/ledger/query", .object(body))
            #expect(page.headers["x-lightning-provider"]?.hasPrefix("\(provider)@") == true)
            found.formUnion(page.json["documents"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
            token = page.json["continuation"]?.stringValue
        } while token != nil
        return found
    }
}
