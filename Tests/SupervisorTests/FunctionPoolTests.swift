import Foundation
@testable import HostCore
import LightningProtocol
import Logging
import Testing

/// The function pool's queue against real instances (`lt-test-child well`, function `sleep`).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FunctionPoolTests {
    static func pool(maxConcurrency: Int = 1, maxQueue: Int = 10, timeoutMs: Int = 60_000) throws -> (FunctionPool, Supervisor, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-pool-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("sleepy.json")
        try Data("""
            {"manifest_version":1,"id":"sleepy","name":"sleepy","version":"1.0.0","kind":"function",
             "process":{"command":"lt-test-child","args":["well"]},"sandbox":{"profile":"none"},
             "function":{"handler":"sleep","timeout_ms":\(timeoutMs),"max_concurrency":\(maxConcurrency),"max_queue":\(maxQueue),"idle_timeout_ms":0}}
            """.utf8).write(to: url)
        let m = try ManifestParser.parse(fileAt: url)
        var checker = FieldChecker()
        let spec = FunctionSpec.parse(id: m.id, function: m.raw["function"], triggers: m.triggers, &checker)
        let sup = Supervisor(services: .init(host: RecordingHost(), publish: { _ in }), programDirs: [TestChildren.products],
                             dataDirectory: dir, logger: Logger(label: "test"))
        return (FunctionPool(manifest: m, spec: spec, config: [:], supervisor: sup, logger: Logger(label: "test")), sup, dir)
    }

    /// A queued invocation whose task is cancelled leaves the queue at once (it used to wait for
    /// an instance or its whole timeout, ignoring the cancellation).
    @Test func aCancelledQueuedInvocationLeavesTheQueueAtOnce() async throws {
        let (pool, sup, dir) = try Self.pool()
        defer { try? FileManager.default.removeItem(at: dir) }
        let busy = Task { try await pool.invoke(["ms": 8000], invocationId: "busy") }
        try await eventuallyBusy(pool)
        let queued = Task { try await pool.invoke(["ms": 1], invocationId: "queued") }
        await eventually("queued") { pool.info().queued == 1 }
        queued.cancel()
        await #expect(throws: CancellationError.self) { _ = try await queued.value }
        // Before the busy invocation ended (it used to wait for the instance, ignoring the cancel).
        #expect(pool.info().busy == 1 && pool.info().stats.succeeded == 0)
        #expect(pool.info().queued == 0)
        // The instance is not lost: the busy invocation finishes and the next one gets it warm.
        #expect(try await busy.value.status == .succeeded)
        let next = try await pool.invoke(["ms": 1], invocationId: "next")
        #expect(next.status == .succeeded)
        #expect(next.coldStart == false)
        await pool.close()
        await sup.stopAll()
    }

    /// Queued invocations get the one instance as it frees (warm), none is lost or started twice.
    @Test func queuedInvocationsShareTheOneInstance() async throws {
        let (pool, sup, dir) = try Self.pool()
        defer { try? FileManager.default.removeItem(at: dir) }
        let busy = Task { try await pool.invoke(["ms": 500], invocationId: "busy") }
        try await eventuallyBusy(pool)
        let a = Task { try await pool.invoke(["ms": 1], invocationId: "a") }
        let b = Task { try await pool.invoke(["ms": 1], invocationId: "b") }
        #expect(try await busy.value.status == .succeeded)
        #expect(try await a.value.status == .succeeded)
        #expect(try await b.value.status == .succeeded)
        #expect(pool.info().stats.coldStarts == 1, "one instance served all three")
        #expect(pool.info().stats.warmStarts == 2)
        await pool.close()
        await sup.stopAll()
    }

    @Test func closingFailsTheQueue() async throws {
        let (pool, sup, dir) = try Self.pool()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 20 s busy: the queued call must still be queued when the pool closes, however slowly a
        // loaded machine gets there (2 s ran out before it in CI run 12).
        let busy = Task { try await pool.invoke(["ms": 20000], invocationId: "busy") }
        try await eventuallyBusy(pool)
        let queued = Task { try await pool.invoke(["ms": 1], invocationId: "queued") }
        await eventually("queued") { pool.info().queued == 1 }
        await pool.close()
        do { _ = try await queued.value; Issue.record("expected unavailable") } catch let e as WireError {
            #expect(e.code == .unavailable)
            #expect(e.message == "function sleepy was removed")
        }
        await sup.stopAll()
        _ = try? await busy.value
    }

    private func eventuallyBusy(_ pool: FunctionPool) async throws {
        await eventually("an instance busy", timeout: .seconds(60)) { pool.info().busy == 1 }
    }
}
