import Foundation
import HostCore
import LightningProtocol
import LightningTestSupport
import Logging
import Testing

/// The docker-containers plugin, loaded through the real loader and C ABI, against podman's
/// Docker-compatible API (Tests/Fakes/podman-setup.sh, `PodmanService`). Skipped, with the
/// reason on stderr, when podman is not available, unless it is required (`CI` or
/// `LT_REQUIRE_PODMAN=1`), in which case `podmanIsAvailableWhenRequired` fails.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DockerContainersTests {
    @Test func podmanIsAvailableWhenRequired() {
        if PodmanService.required {
            #expect(PodmanService.isAvailable, "podman is required here (CI or LT_REQUIRE_PODMAN=1): \(PodmanService.unavailableReason ?? "")")
        } else if let reason = PodmanService.unavailableReason {
            print("docker-containers tests against podman will be skipped: \(reason)")
        }
    }

    @Test func missingSocketIsUnavailableNamingThePath() async throws {
        let path = "/tmp/lt-no-engine-\(UUID().uuidString.prefix(8)).sock"
        let docker = try DockerUnderTest.open(socket: path)
        defer { Task { await docker.close() } }
        let message = await docker.expectError(Method.containersGet, ContainerRef(name: "x"), .unavailable)
        #expect(message?.contains(path) == true)
        let health = try await docker.call(Method.health, Empty(), as: HealthReport.self)
        #expect(health.status == .unhealthy)
        #expect(health.error?.contains(path) == true)
    }

    @Test func badConfigAndBadSpecsAreRefusedByName() async throws {
        let relative = #expect(throws: HostError.self) { try DockerUnderTest.open(socket: "relative.sock") }
        #expect("\(relative.map { "\($0)" } ?? "")".contains("config field \"socket\""))
        let version = #expect(throws: HostError.self) { try DockerUnderTest.open(socket: "/tmp/x.sock", extra: ["api_version": "v1"]) }
        #expect("\(version.map { "\($0)" } ?? "")".contains("api_version"))
        let docker = try DockerUnderTest.open(socket: "/tmp/lt-no-engine.sock")
        defer { Task { await docker.close() } }
        // Checked before the engine is asked, so no engine is needed.
        let bad = await docker.expectError(Method.containersCreate, ContainerSpec(name: "Bad_Name", image: "busybox"), .invalidArgument)
        #expect(bad?.hasPrefix("field \"name\": ") == true && bad?.contains("got \"Bad_Name\"") == true, "\(bad ?? "")")
        let mem = await docker.expectError(Method.containersCreate, ContainerSpec(name: "ok", image: "busybox", memoryMb: 1), .invalidArgument)
        #expect(mem?.contains("memory_mb") == true)
        let src = await docker.expectError(Method.imagesImport, ImageRequest(image: "localhost/x:1", source: "/nonexistent/rootfs.tar"), .invalidArgument)
        #expect(src?.contains("/nonexistent/rootfs.tar") == true)
    }

    @Test(.enabled(if: PodmanService.availableOrExplained, "podman's Docker-compatible API is not available: run `bash Tests/Fakes/podman-setup.sh`"))
    func fullLifecycleAgainstPodman() async throws {
        let podman = try #require(PodmanService.endpoint)
        let docker = try DockerUnderTest.open(socket: podman.socket)
        defer { Task { await docker.close() } }
        let health = try await docker.call(Method.health, Empty(), as: HealthReport.self)
        #expect(health.status == .healthy, "\(health)")
        #expect(health.details?["engine_api_version"]?.stringValue != nil)

        let image = "localhost/lt-busybox:test"
        let imported = try await docker.call(Method.imagesImport, ImageRequest(image: image, source: podman.rootfsTarball), as: ImageResult.self)
        #expect(imported.image == image)
        #expect(imported.id?.hasPrefix("sha256:") == true)

        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let run = "lt-run-\(suffix)", sleeper = "lt-sleep-\(suffix)"
        let labels = ["lt.test": suffix]
        defer {
            Task {
                _ = try? await docker.call(Method.containersDelete, ContainerRef(name: run, force: true), as: DeleteResult.self)
                _ = try? await docker.call(Method.containersDelete, ContainerRef(name: sleeper, force: true), as: DeleteResult.self)
            }
        }

        // Created without starting: pending, with our labels and the managed label.
        let spec = ContainerSpec(name: run, image: image, command: ["sh", "-c", "echo out; echo err >&2; echo more; exit 3"],
                                 environment: ["GREETING": "hi"], labels: labels, cpu: 0.5, memoryMb: 64, start: false)
        let created = try await docker.call(Method.containersCreate, spec, as: ContainerInfo.self)
        #expect(created.name == run)
        #expect(created.state == .pending)
        #expect(created.labels?["lt.test"] == suffix)
        #expect(created.labels?["lightning.managed"] == "true")
        #expect(created.runtimeId?.isEmpty == false)

        let started = try await docker.call(Method.containersStart, ContainerRef(name: run), as: ContainerInfo.self)
        #expect([.running, .failed].contains(started.state))
        let exit = try await docker.call(Method.containersWait, ContainerRef(name: run, timeoutSeconds: 60), as: ContainerExit.self)
        #expect(exit.exitCode == 3)
        #expect(exit.state == .failed)
        let info = try await docker.call(Method.containersGet, ContainerRef(name: run), as: ContainerInfo.self)
        #expect(info.exitCode == 3)
        #expect(info.finishedAt != nil)

        let logs = try await docker.call(Method.containersLogs, ContainerRef(name: run), as: ContainerLogs.self)
        #expect(logs.stdout == "out\nmore\n")
        #expect(logs.stderr == "err\n")

        // A long-running container, stopped by the caller. (`tail` is checked on one stream:
        // the engine orders lines of different streams by when its log writer saw them.)
        let sleeping = try await docker.call(Method.containersCreate,
                                             ContainerSpec(name: sleeper, image: image, command: ["sh", "-c", "echo one; echo two; echo three; exec sleep 300"],
                                                           labels: labels),
                                             as: ContainerInfo.self)
        #expect(sleeping.state == .running)
        var tail = ContainerLogs(name: sleeper, stdout: "", stderr: "")
        for _ in 0..<100 where !tail.stdout.hasSuffix("three\n") {
            tail = try await docker.call(Method.containersLogs, ContainerRef(name: sleeper, tail: 2), as: ContainerLogs.self)
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(tail.stdout == "two\nthree\n")
        #expect(tail.stderr == "")
        let listed = try await docker.call(Method.containersList, ContainerQuery(labels: labels), as: ContainerInfoList.self)
        #expect(listed.containers.map(\.name) == [run, sleeper])
        let none = try await docker.call(Method.containersList, ContainerQuery(labels: ["lt.test": "other-\(suffix)"]), as: ContainerInfoList.self)
        #expect(none.containers.isEmpty)
        let stopped = try await docker.call(Method.containersStop, ContainerRef(name: sleeper, timeoutSeconds: 1), as: ContainerInfo.self)
        #expect(stopped.state == .stopped)
        // Stopping a stopped container is not an error (the engine's 304).
        let again = try await docker.call(Method.containersStop, ContainerRef(name: sleeper, timeoutSeconds: 1), as: ContainerInfo.self)
        #expect(again.state == .stopped)

        // Errors.
        let missingImage = await docker.expectError(Method.containersCreate,
                                                    ContainerSpec(name: "lt-noimg-\(suffix)", image: "localhost/lt-no-such-image:\(suffix)"), .notFound)
        #expect(missingImage?.contains("lt-no-such-image") == true)
        let duplicate = await docker.expectError(Method.containersCreate, ContainerSpec(name: run, image: image, command: ["true"], start: false), .conflict)
        #expect(duplicate?.contains(run) == true)
        await docker.expectError(Method.containersGet, ContainerRef(name: "lt-unknown-\(suffix)"), .notFound)
        // Delete is idempotent (docs/plugin-abi.md#containers-methods): a missing container answers deleted: false.
        #expect(try await docker.call(Method.containersDelete, ContainerRef(name: "lt-unknown-\(suffix)"), as: DeleteResult.self).deleted == false)
        await docker.expectError(Method.containersLogs, ContainerRef(name: "lt-unknown-\(suffix)"), .notFound)

        // Removal.
        #expect(try await docker.call(Method.containersDelete, ContainerRef(name: run), as: DeleteResult.self).deleted)
        #expect(try await docker.call(Method.containersDelete, ContainerRef(name: sleeper, force: true), as: DeleteResult.self).deleted)
        await docker.expectError(Method.containersGet, ContainerRef(name: run), .notFound)
        let after = try await docker.call(Method.containersList, ContainerQuery(labels: labels), as: ContainerInfoList.self)
        #expect(after.containers.isEmpty)
    }

    @Test(.enabled(if: PodmanService.availableOrExplained, "podman's Docker-compatible API is not available: run `bash Tests/Fakes/podman-setup.sh`"))
    func waitTimesOutOnARunningContainer() async throws {
        let podman = try #require(PodmanService.endpoint)
        let docker = try DockerUnderTest.open(socket: podman.socket)
        defer { Task { await docker.close() } }
        let image = "localhost/lt-busybox:wait"
        _ = try await docker.call(Method.imagesImport, ImageRequest(image: image, source: podman.rootfsTarball), as: ImageResult.self)
        let name = "lt-wait-\(String(UUID().uuidString.prefix(6)).lowercased())"
        _ = try await docker.call(Method.containersCreate, ContainerSpec(name: name, image: image, command: ["sleep", "300"]), as: ContainerInfo.self)
        let message = await docker.expectError(Method.containersWait, ContainerRef(name: name, timeoutSeconds: 1), .timeout)
        #expect(message?.contains(name) == true)
        // Removing a running container without force is a conflict; with force it goes.
        await docker.expectError(Method.containersDelete, ContainerRef(name: name), .conflict)
        #expect(try await docker.call(Method.containersDelete, ContainerRef(name: name, force: true), as: DeleteResult.self).deleted)
    }
}

/// The docker-containers library loaded through the host's loader (in-process, C ABI).
struct DockerUnderTest: Sendable {
    let connection: any ProviderConnection

    static let loader: PluginLoader = {
        var logger = Logger(label: "docker-tests")
        logger.logLevel = .warning
        return PluginLoader(logger: logger)
    }()

    static func open(socket: String, extra: [String: JSONValue] = [:]) throws -> DockerUnderTest {
        let plugin = try loader.loadLibrary(at: BuildProducts.url("libLightningDockerContainers.so"), expectedId: "docker-containers")
        var config: [String: JSONValue] = ["socket": .string(socket), "request_timeout_ms": .int(60_000)]
        config.merge(extra) { _, new in new }
        return DockerUnderTest(connection: try plugin.makeInstance(config: .object(config)))
    }

    func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type) async throws -> R {
        try await connection.call(method, params, as: R.self)
    }

    /// Calls `method` expecting it to fail with `code`; returns the error message.
    @discardableResult
    func expectError<P: Encodable>(_ method: String, _ params: P, _ code: WireError.Code,
                                   sourceLocation: SourceLocation = #_sourceLocation) async -> String? {
        do {
            _ = try await connection.call(method, try Wire.encode(params))
            Issue.record("\(method): expected error \(code), got success", sourceLocation: sourceLocation)
            return nil
        } catch let e as WireError {
            #expect(e.code == code, "\(method): \(e.message)", sourceLocation: sourceLocation)
            return e.message
        } catch {
            Issue.record("\(method): expected WireError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func close() async { await connection.close() }
}
