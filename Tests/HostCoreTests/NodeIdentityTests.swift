import Foundation
@testable import HostCore
import Testing

/// The node id of a daemon (docs/cluster.md#membership). Issue 19's membership defect: at the
/// first start the heartbeat, the lease service and the API asked for the id at the same moment;
/// each found no `node-id` file and made its own UUID, so one daemon heartbeated under two ids
/// (a second record that stayed "gone" for ever, so the cluster showed three nodes for two).
@Suite struct NodeIdentityTests {
    @Test func concurrentFirstCallsAgreeOnOneIdAndItIsTheOneKept() async throws {
        for round in 0..<40 {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-node-id-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let identity = NodeIdentity(file: dir.appendingPathComponent("node-id"))
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try identity.id() } }
                var out: Set<String> = []
                for try await id in group { out.insert(id) }
                return out
            }
            #expect(ids.count == 1, "round \(round): \(ids.count) different ids from one node: \(ids.sorted())")
            let kept = try String(contentsOf: dir.appendingPathComponent("node-id"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(ids == [kept], "round \(round): the file keeps \(kept), callers got \(ids.sorted())")
            if ids.count != 1 { return }
        }
    }

    @Test func aRestartedNodeKeepsItsId() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-node-id-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try NodeIdentity(file: dir.appendingPathComponent("node-id")).id()
        #expect(try NodeIdentity(file: dir.appendingPathComponent("node-id")).id() == first)
    }

    @Test func anUnwritableFileIsAClearError() throws {
        let file = URL(fileURLWithPath: "/proc/lt-no-such-dir/node-id")
        #expect(throws: HostError.self) { try NodeIdentity(file: file).id() }
        do { _ = try NodeIdentity(file: file).id() } catch let e as HostError {
            #expect(e.description.contains("/proc/lt-no-such-dir/node-id") && e.description.contains("cannot write the node id"), "\(e)")
        }
    }
}
