import Foundation
import HostCore
import LightningProtocol

/// The containers contract (docs/plugin-abi.md#containers), rule by rule, for any container
/// runtime: `docker-containers`, `aci-containers`, a third party's.
///
/// The rules run the fixture `image` (`lightning plugins test --fixture image=REF`): an image the
/// runtime can start, with `sh`, `echo` and `sleep` (busybox). A runtime is a shared world (an
/// engine, a cloud resource group), so every container a rule makes is named
/// `kit-<token>-<x>` and labelled `lightning-kit=<token>`, lists are filtered by that label, and
/// the rule removes its containers at the end, whatever happened.
public enum ContainersRules {
    static let doc = "docs/plugin-abi.md"
    static let methods = "\(doc)#containers-methods"
    static let states = "\(doc)#containers-states"
    static let arguments = "\(doc)#containers-arguments"
    static let errors = "\(doc)#containers-errors"

    public static var all: [ConformanceRule] {
        [runToExit, succeeded, stopAndDelete, unknownContainer, names, argumentRanges, conflict, listByLabel, waitTimeout, images, unsupportedMethods, health]
    }

    static func rule(_ id: String, _ section: String, _ summary: String,
                     _ body: @escaping @Sendable (ConformanceCheck) async throws -> Void) -> ConformanceRule {
        ConformanceRule("containers.\(id)", .containers, section: section, summary) { s in
            do { try await body(s) } catch {
                await s.removeKitContainers()
                throw error
            }
            await s.removeKitContainers()
        }
    }

    static let runToExit = rule("run-to-exit", states, "a container whose command exits 3 is waited for (exit_code 3, state failed), then reads failed with exit_code 3, and its logs hold its output") { s in
        let image = try s.fixture("image")
        let name = s.kitName("exit")
        let created = try await s.createContainer(name, ["sh", "-c", "echo kit-hello-\(s.token); exit 3"])
        s.expectEqual(created.name, name, "name of the created container")
        s.expectEqual(created.image, image, "image of the created container")
        s.expect([.pending, .running, .failed].contains(created.state), "state after create: expected pending, running or failed, got \(created.state.rawValue)")
        let exit = try await s.call(Method.containersWait, ContainerRef(name: name, timeoutSeconds: 60), as: ContainerExit.self)
        s.expectEqual(exit.name, name, "wait: name")
        s.expectEqual(exit.exitCode, 3, "wait: exit_code")
        s.expectEqual(exit.state.rawValue, "failed", "wait: state")
        let info = try await s.call(Method.containersGet, ContainerRef(name: name), as: ContainerInfo.self)
        s.expectEqual(info.state.rawValue, "failed", "get: state")
        s.expectEqual(info.exitCode, 3, "get: exit_code")
        s.expectEqual(info.labels?["lightning-kit"], s.token, "get: labels[\"lightning-kit\"]")
        let logs = try await s.call(Method.containersLogs, ContainerRef(name: name), as: ContainerLogs.self)
        s.expectEqual(logs.name, name, "logs: name")
        s.expect((logs.stdout + logs.stderr).contains("kit-hello-\(s.token)"), "logs: expected the line kit-hello-\(s.token), got stdout \(JSONValue.string(logs.stdout)), stderr \(JSONValue.string(logs.stderr))")
        let none = try await s.call(Method.containersLogs, ContainerRef(name: name, tail: 0), as: ContainerLogs.self)
        s.expectEqual(none.stdout + none.stderr, "", "logs with tail 0")
    }

    static let succeeded = rule("succeeded", states, "a container whose command exits 0 ends succeeded with exit_code 0") { s in
        let name = s.kitName("ok")
        _ = try await s.createContainer(name, ["sh", "-c", "echo fine"])
        let exit = try await s.call(Method.containersWait, ContainerRef(name: name, timeoutSeconds: 60), as: ContainerExit.self)
        s.expectEqual(exit.exitCode, 0, "wait: exit_code")
        s.expectEqual(exit.state.rawValue, "succeeded", "wait: state")
        s.expectEqual(try await s.call(Method.containersGet, ContainerRef(name: name), as: ContainerInfo.self).state.rawValue, "succeeded", "get: state")
    }

    static let stopAndDelete = rule("stop-delete", methods, "a running container: delete without force is conflict; stop answers stopped (twice); delete answers deleted true, then false; get is then not_found") { s in
        let name = s.kitName("sleep")
        _ = try await s.createContainer(name, ["sleep", "600"])
        let running = try await s.eventually(name) { $0.state == .running }
        s.expectEqual(running.state.rawValue, "running", "state within 60 s")
        let msg = await s.expectError(Method.containersDelete, ContainerRef(name: name), .conflict, "delete of a running container without force")
        s.expect(msg.map { !$0.isEmpty } ?? true, "delete without force: expected a message")
        let stopped = try await s.call(Method.containersStop, ContainerRef(name: name, timeoutSeconds: 1), as: ContainerInfo.self)
        s.expectEqual(stopped.state.rawValue, "stopped", "state after stop")
        let again = try await s.call(Method.containersStop, ContainerRef(name: name, timeoutSeconds: 1), as: ContainerInfo.self)
        s.expectEqual(again.state.rawValue, "stopped", "state after a second stop")
        s.expectEqual(try await s.raw(Method.containersDelete, #"{"name":"\#(name)"}"#), ["deleted": true], "delete of a stopped container")
        s.expectEqual(try await s.raw(Method.containersDelete, #"{"name":"\#(name)"}"#), ["deleted": false], "second delete")
        await s.expectError(Method.containersGet, ContainerRef(name: name), .notFound, "get after delete")
    }

    static let unknownContainer = rule("unknown-container", errors, "get, start, stop, logs and wait of an unknown container are not_found; delete answers deleted: false, with or without force") { s in
        let ghost = s.kitName("ghost")
        for method in [Method.containersGet, Method.containersStart, Method.containersStop, Method.containersLogs, Method.containersWait] {
            await s.expectError(method, ContainerRef(name: ghost), .notFound)
        }
        s.expectEqual(try await s.raw(Method.containersDelete, #"{"name":"\#(ghost)"}"#), ["deleted": false], "delete")
        s.expectEqual(try await s.raw(Method.containersDelete, #"{"name":"\#(ghost)","force":true}"#), ["deleted": false], "delete with force")
    }

    static let names = rule("names", arguments, "names are 1–63 of a-z 0-9 '-', starting and ending with a letter or digit, without \"--\"; others are invalid_argument naming field \"name\"") { s in
        let image = try s.fixture("image")
        for bad in ["", "Upper", "under_score", "-lead", "trail-", "dou--ble", "dot.ted", "spa ce", "é", String(repeating: "n", count: 64)] {
            let label = "name \(JSONValue.string(String(bad.prefix(20))))"
            let msg = await s.expectError(Method.containersCreate, ContainerSpec(name: bad, image: image, command: ["true"], labels: s.kitLabels), .invalidArgument, "create, \(label)")
            s.expect(msg?.hasPrefix("field \"name\": ") ?? true, "create, \(label): message must start with field \"name\": , got \(msg ?? "")")
            await s.expectError(Method.containersGet, ContainerRef(name: bad), .invalidArgument, "get, \(label)")
            await s.expectError(Method.containersDelete, ContainerRef(name: bad), .invalidArgument, "delete, \(label)")
        }
        // The longest valid name is a name: not found, not refused.
        await s.expectError(Method.containersGet, ContainerRef(name: "k\(s.token)" + String(repeating: "0", count: 54)), .notFound, "get of a 63-character name")
    }

    static let argumentRanges = rule("arguments", arguments, "stop timeout_seconds 0–3600, wait timeout_seconds 1–86400 and tail ≥ 0, checked before the container is looked up; others are invalid_argument naming the field") { s in
        let ghost = s.kitName("ghost")
        let cases: [(String, ContainerRef, String)] = [
            (Method.containersStop, ContainerRef(name: ghost, timeoutSeconds: 3601), "timeout_seconds"),
            (Method.containersStop, ContainerRef(name: ghost, timeoutSeconds: -1), "timeout_seconds"),
            (Method.containersWait, ContainerRef(name: ghost, timeoutSeconds: 0), "timeout_seconds"),
            (Method.containersWait, ContainerRef(name: ghost, timeoutSeconds: 86_401), "timeout_seconds"),
            (Method.containersLogs, ContainerRef(name: ghost, tail: -1), "tail"),
        ]
        for (method, ref, field) in cases {
            let msg = await s.expectError(method, ref, .invalidArgument, "\(field) \(ref.timeoutSeconds ?? ref.tail ?? 0)")
            s.expect(msg?.hasPrefix("field \"\(field)\": ") ?? true, "\(method) with \(field) \(ref.timeoutSeconds ?? ref.tail ?? 0): message must start with field \"\(field)\": , got \(msg ?? "")")
        }
        await s.expectError(Method.containersCreate, JSONValue.object(["name": .string(ghost)]), .invalidArgument, "create without image")
    }

    static let conflict = rule("conflict", errors, "creating a container under a name in use is conflict, and leaves the first one as it was") { s in
        let name = s.kitName("dup")
        _ = try await s.createContainer(name, ["sleep", "600"])
        let msg = await s.expectError(Method.containersCreate, ContainerSpec(name: name, image: try s.fixture("image"), command: ["sh", "-c", "exit 9"], labels: s.kitLabels), .conflict)
        s.expect(msg.map { $0.contains(name) } ?? true, "conflict message: expected it to name \(name), got \(msg ?? "")")
        let info = try await s.call(Method.containersGet, ContainerRef(name: name), as: ContainerInfo.self)
        s.expect(info.exitCode != 9, "the first container was replaced by the second spec (exit_code 9)")
    }

    static let listByLabel = rule("list", methods, "list answers the containers carrying every given label, sorted by name, each with its labels") { s in
        let names = [s.kitName("b"), s.kitName("a"), s.kitName("c")]
        for (i, name) in names.enumerated() {
            // Running, not exiting at once: podman can fail a start whose process exits before it
            // reads the process's cgroup ("read /proc/N/cgroup: no such process", HTTP 500), and
            // listing does not need the containers to end (the kit removes them with force).
            _ = try await s.createContainer(name, ["sleep", "120"], labels: ["role": i == 1 ? "odd" : "even"])
        }
        let all = try await s.call(Method.containersList, ContainerQuery(labels: s.kitLabels), as: ContainerInfoList.self).containers
        s.expectEqual(all.map(\.name), names.sorted(), "list by the kit's label")
        for c in all {
            s.expectEqual(c.labels?["lightning-kit"], s.token, "\(c.name): labels[\"lightning-kit\"]")
        }
        var evenLabels = s.kitLabels
        evenLabels["role"] = "even"
        let even = try await s.call(Method.containersList, ContainerQuery(labels: evenLabels), as: ContainerInfoList.self).containers
        s.expectEqual(even.map(\.name), [names[0], names[2]].sorted(), "list by two labels")
        s.expectEqual(try await s.call(Method.containersList, ContainerQuery(labels: ["lightning-kit": "none-\(s.token)"]), as: ContainerInfoList.self).containers.count,
                      0, "list by a label nobody carries")
    }

    static let waitTimeout = rule("wait-timeout", errors, "wait on a container still running after timeout_seconds is timeout, and the container keeps running") { s in
        let name = s.kitName("long")
        _ = try await s.createContainer(name, ["sleep", "600"])
        _ = try await s.eventually(name) { $0.state == .running }
        await s.expectError(Method.containersWait, ContainerRef(name: name, timeoutSeconds: 1), .timeout, "wait 1 s on sleep 600")
        s.expectEqual(try await s.call(Method.containersGet, ContainerRef(name: name), as: ContainerInfo.self).state.rawValue, "running", "state after the wait ran out")
    }

    static let images = rule("images", "\(doc)#containers-what-unsupported-means", "images.import of a missing file is invalid_argument (or unsupported); pull and import answer {image, id?} or unsupported") { s in
        switch await s.attempt(Method.imagesImport, ImageRequest(image: "kit-\(s.token):1", source: "/nonexistent/lightning-kit-\(s.token).tar")) {
        case .success(let v): s.fail("images.import of a missing file: expected invalid_argument or unsupported, got \(v)")
        case .failure(let e):
            s.expect([.invalidArgument, .unsupported].contains(e.code), "images.import of a missing file: expected invalid_argument or unsupported, got \(e.code.rawValue): \(e.message)")
        }
        if case .failure(let e) = await s.attempt(Method.imagesPull, ImageRequest(image: "")) {
            s.expect([.invalidArgument, .unsupported].contains(e.code), "images.pull of an empty reference: expected invalid_argument or unsupported, got \(e.code.rawValue): \(e.message)")
        } else {
            s.fail("images.pull of an empty reference: expected invalid_argument or unsupported, got success")
        }
    }

    static let unsupportedMethods = rule("unsupported", "\(doc)#containers-what-unsupported-means", "create with start: false answers a pending container (or unsupported), which start then runs; unknown methods are unsupported") { s in
        await s.expectError("containers.conformance-no-such-method", Empty(), .unsupported, "an unknown method")
        let name = s.kitName("later")
        let spec = ContainerSpec(name: name, image: try s.fixture("image"), command: ["sh", "-c", "exit 4"], labels: s.kitLabels, start: false)
        switch await s.attempt(Method.containersCreate, spec) {
        case .failure(let e):
            s.expect(e.code == .unsupported, "create with start: false: expected a pending container or unsupported, got \(e.code.rawValue): \(e.message)")
        case .success(let v):
            s.expectEqual(v["state"], JSONValue.string("pending"), "state after create with start: false")
            _ = try await s.call(Method.containersStart, ContainerRef(name: name), as: ContainerInfo.self)
            let exit = try await s.call(Method.containersWait, ContainerRef(name: name, timeoutSeconds: 60), as: ContainerExit.self)
            s.expectEqual(exit.exitCode, 4, "exit_code after start")
        }
    }

    static let health = rule("health", "\(doc)#health", "health answers healthy with a latency") { s in
        let report = try await s.call(Method.health, Empty(), as: HealthReport.self)
        s.expectEqual(report.status, .healthy, "status")
        s.expect(report.latencyMs >= 0, "latency_ms: expected ≥ 0, got \(report.latencyMs)")
    }
}

extension ConformanceCheck {
    /// `kit-<token>-<suffix>`: a container name no other rule run uses.
    func kitName(_ suffix: String) -> String { "kit-\(token)-\(suffix)" }

    /// The label every container of this rule run carries.
    var kitLabels: [String: String] { ["lightning-kit": token] }

    /// Creates (and starts) a container of the fixture image running `command`.
    func createContainer(_ name: String, _ command: [String], labels: [String: String] = [:]) async throws -> ContainerInfo {
        let spec = ContainerSpec(name: name, image: try fixture("image"), command: command, labels: kitLabels.merging(labels) { a, _ in a })
        return try await call(Method.containersCreate, spec, as: ContainerInfo.self)
    }

    /// Reads the container until `done` holds or 60 s pass; the last read.
    func eventually(_ name: String, _ done: (ContainerInfo) -> Bool) async throws -> ContainerInfo {
        let deadline = ContinuousClock.now + .seconds(60)
        var info = try await call(Method.containersGet, ContainerRef(name: name), as: ContainerInfo.self)
        while !done(info), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            info = try await call(Method.containersGet, ContainerRef(name: name), as: ContainerInfo.self)
        }
        return info
    }

    /// Removes (with force) every container labelled with this run's token; failures are ignored,
    /// the rule's verdict does not depend on the cleanup.
    func removeKitContainers() async {
        guard let list = try? await call(Method.containersList, ContainerQuery(labels: kitLabels), as: ContainerInfoList.self) else { return }
        for c in list.containers {
            _ = try? await call(Method.containersDelete, ContainerRef(name: c.name, force: true), as: DeleteResult.self)
        }
    }
}
