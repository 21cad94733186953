import Foundation
@testable import HostCore
import LightningProtocol
import LightningTestSupport
import Testing

/// Hostile children (`lt-test-child` modes) against the sandbox: each is contained and its end
/// is reported with the reason (docs/sandbox.md).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct SandboxContainmentTests {
    @Test func aForkBombIsContainedByItsProcessLimit() async throws {
        let f = try SandboxFixture()
        let c = f.child(["fork-bomb"]) { $0.sandbox.limits.processes = 32 }
        c.start()
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        #expect(exit.reason == "exited with code 3")
        let line = try #require(exit.stderrTail.first { $0.hasPrefix("fork-bomb: fork failed after") })
        #expect(line.hasSuffix("Resource temporarily unavailable"), "\(line)")
        let forks = Int(line.split(separator: " ")[4]) ?? .max
        #expect(forks < 32)
        // The whole namespace went with it.
        await eventually("no bomb left") { processes(withCommandLineContaining: "lt-test-child fork-bomb").isEmpty }
    }

    @Test func aMemoryHogIsStoppedAtItsLimit() async throws {
        let f = try SandboxFixture()
        let c = f.child(["memory-hog"]) { $0.sandbox.limits.memoryMB = 768 }
        c.start()
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        #expect(exit.reason.hasPrefix("memory limit (768 MB of address space)"), "\(exit.reason)")
        #expect(exit.status != ExitStatus(code: 0))
        let event = try #require(f.host.processEvents("process.exited").last)
        #expect(event.data["reason"]?.stringValue == exit.reason)
        #expect(event.data["sandbox"] == "strict")
        #expect((event.data["stderr_tail"]?.arrayValue?.count ?? 0) > 0)
    }

    @Test func aMemoryHogIsStoppedAtItsLimitWithoutASandboxToo() async throws {
        let f = try SandboxFixture()
        let c = f.child(["memory-hog"], profile: .none) { $0.sandbox.limits.memoryMB = 768 }
        c.start()
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason.hasPrefix("memory limit (768 MB of address space)") == true, "\(c.snapshot.lastExit?.reason ?? "-")")
    }

    @Test func aCPUSpinnerIsStoppedAtItsLimit() async throws {
        let f = try SandboxFixture()
        let c = f.child(["cpu-spin"]) { $0.sandbox.limits.cpuSeconds = 1 }
        c.start()
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        #expect(exit.status.signal == SIGXCPU)
        #expect(exit.reason == "CPU limit (SIGXCPU after 1 s of CPU)")
        let event = try #require(f.host.processEvents("process.exited").last)
        #expect(event.data["signal_name"] == "SIGXCPU")
        #expect((event.data["cpu_ms"]?.intValue ?? 0) >= 500)  // rusage is tick-sampled: it reads low under load
    }

    @Test func aCPUSpinnerIsStoppedWithoutASandboxToo() async throws {
        let f = try SandboxFixture()
        let c = f.child(["cpu-spin"], profile: .none) { $0.sandbox.limits.cpuSeconds = 1 }
        c.start()
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.reason == "CPU limit (SIGXCPU after 1 s of CPU)")
    }

    @Test func aForbiddenSystemCallIsASeccompViolation() async throws {
        let f = try SandboxFixture()
        let c = f.child(["forbidden-syscall"])
        c.start()
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        #expect(exit.status.signal == SIGSYS)
        #expect(exit.reason.hasPrefix("seccomp violation (SIGSYS)"), "\(exit.reason)")
    }

    @Test func aWritePastTheFileSizeLimitIsReported() async throws {
        let f = try SandboxFixture()
        let c = f.child(["big-file", "/scratch/big", "8"]) { $0.sandbox.limits.fileSizeMB = 4 }
        c.start()
        await eventually("stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        #expect(exit.status.signal == SIGXFSZ)
        #expect(exit.reason == "file size limit (SIGXFSZ: a write past 4 MB)")
        let size = (try? FileManager.default.attributesOfItem(atPath: f.scratch("sbx").appendingPathComponent("big").path)[.size] as? Int) ?? nil
        #expect(size == 4 << 20)
    }

    @Test func theWallClockLimitKillsWithItsReason() async throws {
        let f = try SandboxFixture()
        let c = f.child(["well"]) { $0.sandbox.limits.wallClockMs = 1500 }
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        await eventually("stopped", timeout: .seconds(30)) { c.snapshot.state == .stopped }
        let exit = try #require(c.snapshot.lastExit)
        #expect(exit.reason == "wall-clock limit (killed after 1500 ms)")
        #expect(exit.status.signal == SIGKILL)
    }

    @Test func grandchildrenDieWithTheChildEvenOutsideItsProcessGroup() async throws {
        let f = try SandboxFixture()
        let tag = String(Int.random(in: 100_000...999_999))
        let c = f.child(["probe", "escape:\(tag)"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        #expect(SandboxFixture.probes(c)["escape:\(tag)"]?.hasPrefix("ok pid=") == true)
        var escaped: [Int32] = []
        await eventually("the escaped sleep") {
            escaped = processes(withCommandLineContaining: "sleep 1000.\(tag)")
            return !escaped.isEmpty
        }
        c.kill(reason: "test kill")
        await eventually("escaped grandchild gone") { escaped.allSatisfy(processIsGone) }
        await c.stop()
    }

    @Test func theDeathOfTheOuterProcessTakesTheNamespaceDown() async throws {
        // What happens when the daemon dies (PDEATHSIG kills the outer process): here the outer
        // process alone is killed, not the group, and the escaped grandchild still dies.
        let f = try SandboxFixture()
        let tag = String(Int.random(in: 100_000...999_999))
        let c = f.child(["probe", "escape:\(tag)"])
        c.start()
        #expect(await c.waitReady(timeout: .seconds(60)))
        var escaped: [Int32] = []
        await eventually("the escaped sleep") {
            escaped = processes(withCommandLineContaining: "sleep 1000.\(tag)")
            return !escaped.isEmpty
        }
        let outer = try #require(c.snapshot.pid)
        #expect(kill(outer, SIGKILL) == 0)
        await eventually("escaped grandchild gone") { escaped.allSatisfy(processIsGone) }
        await eventually("stopped") { c.snapshot.state == .stopped }
        #expect(c.snapshot.lastExit?.status.signal == SIGKILL)
    }

    @Test func aStopEscalatesThroughTheSandboxWithTheProgramsOwnExit() async throws {
        let f = try SandboxFixture()
        // Answers nothing after initialize: shutdown times out, SIGTERM (default action) ends it.
        let hung = f.child(["hang"]) { $0.stopTimeoutMs = 200 }
        hung.start()
        #expect(await hung.waitReady(timeout: .seconds(60)))
        await hung.stop()
        #expect(hung.snapshot.lastExit?.status.signal == SIGTERM, "\(hung.snapshot.lastExit?.reason ?? "-")")
        // Ignores SIGTERM: SIGKILL, with the supervisor's reason.
        let stubborn = f.child(["ignore-term"], name: "stubborn") { $0.stopTimeoutMs = 200 }
        stubborn.start()
        #expect(await stubborn.waitReady(timeout: .seconds(60)))
        await stubborn.stop()
        #expect(stubborn.snapshot.lastExit?.status.signal == SIGKILL)
        #expect(stubborn.snapshot.lastExit?.reason == "did not stop within 400 ms: SIGKILL")
    }

    @Test func theSupervisorStaysHealthyAmongHostileChildren() async throws {
        let f = try SandboxFixture()
        let bomb = f.child(["fork-bomb"], name: "bomb") { $0.sandbox.limits.processes = 64 }
        let hog = f.child(["memory-hog"], name: "hog") { $0.sandbox.limits.memoryMB = 768 }
        let spin = f.child(["cpu-spin"], name: "spin") { $0.sandbox.limits.cpuSeconds = 2 }
        let good = TestChildren.make(["well"], name: "good", host: f.host)
        good.start()
        #expect(await good.waitReady(timeout: .seconds(60)))
        for c in [bomb, hog, spin] { c.start() }
        // While they misbehave, the well-behaved child keeps answering.
        for i in 0..<20 {
            #expect(try await good.event("test.echo", ["i": .int(i)]).first?.data == ["i": .int(i)])
            try await Task.sleep(for: .milliseconds(50))
        }
        for c in [bomb, hog, spin] {
            await eventually("\(c.name) stopped", timeout: .seconds(60)) { c.snapshot.state == .stopped }
        }
        #expect(bomb.snapshot.lastExit?.reason == "exited with code 3")
        #expect(hog.snapshot.lastExit?.reason.hasPrefix("memory limit") == true)
        #expect(spin.snapshot.lastExit?.reason.hasPrefix("CPU limit") == true)
        #expect(try await good.event("test.echo", ["after": true]).first?.data == ["after": true])
        await good.stop()
        #expect(good.snapshot.lastExit?.status == ExitStatus(code: 0))
    }
}
