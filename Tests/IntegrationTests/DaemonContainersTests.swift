import Foundation
import LightningProtocol
import LightningTestSupport
import Testing

/// The `/v1/containers` routes of the real daemon: 503 without a container runtime, and with
/// `LIGHTNING_CONTAINER_RUNTIME=docker-containers` against podman's Docker-compatible API
/// (Tests/Fakes/podman-setup.sh), a container run end to end over HTTP. The podman half is
/// skipped with the reason on stderr when podman is not available (see `PodmanService`).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DaemonContainersTests {
    static func onlyProviders(_ name: String) -> Bool { !name.contains("agent") && !name.contains("function") }

    @Test func routesAnswer503WithoutAContainerRuntime() async throws {
        let d = try await TestDaemon.start(manifests: Self.onlyProviders)
        let list = try await d.get("/v1/containers")
        #expect(list.status == 503)
        #expect(list.json["error"]?["code"] == "unavailable")
        #expect(list.json["error"]?["message"]?.stringValue?.contains("containers") == true)
        let create = try await d.post("/v1/containers", ["name": "web", "image": "busybox"])
        #expect(create.status == 503)
        #expect(try await d.post("/v1/containers/web/start", [:]).status == 503)
        #expect(try await d.request("DELETE", "/v1/containers/web").status == 503)
        // Bad input is refused before the provider is asked.
        let badLabel = try await d.get("/v1/containers?label=novalue")
        #expect(badLabel.status == 400)
        #expect(badLabel.json["error"]?["message"]?.stringValue?.contains("label") == true)
        #expect(try await d.post("/v1/containers/web/wait?timeout_seconds=0", [:]).status == 400)
        #expect(try await d.request("POST", "/v1/containers", body: Data("not json".utf8)).status == 400)
    }

    @Test(.enabled(if: PodmanService.availableOrExplained, "podman's Docker-compatible API is not available: run `bash Tests/Fakes/podman-setup.sh`"))
    func runsAContainerEndToEndOverHTTP() async throws {
        let podman = try #require(PodmanService.endpoint)
        let d = try await TestDaemon.start(config: ["plugin_config": ["docker-containers": ["socket": .string(podman.socket)]]],
                                           manifests: Self.onlyProviders,
                                           environment: ["LIGHTNING_CONTAINER_RUNTIME": "docker-containers"])
        let providers = try await d.get("/v1/providers")
        #expect(providers.text.contains("docker-containers"), "\(providers.text)")

        let image = "localhost/lt-busybox:daemon"
        let imported = try await d.post("/v1/containers/images/import", ["image": .string(image), "source": .string(podman.rootfsTarball)])
        #expect(imported.status == 200, "\(imported.text)")
        #expect(imported.json["id"]?.stringValue?.hasPrefix("sha256:") == true)

        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let name = "lt-daemon-\(suffix)"
        let created = try await d.post("/v1/containers", [
            "name": .string(name), "image": .string(image),
            "command": ["sh", "-c", "echo hello $WHO; echo oops >&2; exit 7"],
            "environment": ["WHO": "world"], "labels": ["lt.daemon": .string(suffix)], "memory_mb": 64,
        ])
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["name"]?.stringValue == name)
        #expect(created.json["labels"]?["lightning.managed"] == "true")

        let waited = try await d.post("/v1/containers/\(name)/wait?timeout_seconds=60", [:])
        #expect(waited.status == 200, "\(waited.text)")
        #expect(waited.json["exit_code"] == 7)
        #expect(waited.json["state"] == "failed")

        let logs = try await d.get("/v1/containers/\(name)/logs")
        #expect(logs.json["stdout"] == "hello world\n")
        #expect(logs.json["stderr"] == "oops\n")

        let listed = try await d.get("/v1/containers?label=lt.daemon=\(suffix)")
        #expect(listed.json["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == [name])
        let got = try await d.get("/v1/containers/\(name)")
        #expect(got.json["exit_code"] == 7)
        #expect(got.json["runtime_id"]?.stringValue?.isEmpty == false)

        let duplicate = try await d.post("/v1/containers", ["name": .string(name), "image": .string(image), "command": ["true"], "start": false])
        #expect(duplicate.status == 409)
        #expect(duplicate.json["error"]?["code"] == "conflict")
        let noImage = try await d.post("/v1/containers", ["name": .string("lt-noimg-\(suffix)"), "image": .string("localhost/lt-absent:\(suffix)")])
        #expect(noImage.status == 404)

        #expect(try await d.request("DELETE", "/v1/containers/\(name)").status == 204)
        let gone = try await d.get("/v1/containers/\(name)")
        #expect(gone.status == 404)
        #expect(gone.json["error"]?["code"] == "not_found")
        #expect(try await d.request("DELETE", "/v1/containers/\(name)").status == 404)

        // The same through the CLI: run, wait (its exit code), logs split by stream, list, rm.
        let cliName = "lt-cli-\(suffix)"
        // As with `docker run`, options come before the name and image; everything after the
        // image is the command, dashes included.
        let (c1, run, e1) = try await d.cli(["containers", "run", "--label", "lt.cli=\(suffix)", "--env", "WHO=cli", cliName, image,
                                             "sh", "-c", "echo hi $WHO; echo warn >&2; exit 3"])
        #expect(c1 == 0, "\(e1)")
        #expect(run.hasPrefix("\(cliName) "))
        let (c2, waitOut, _) = try await d.cli(["containers", "wait", cliName, "--timeout", "60"])
        #expect(c2 == 3)
        #expect(waitOut == "\(cliName) failed (exit 3)\n")
        let (c3, out, err) = try await d.cli(["containers", "logs", cliName])
        #expect(c3 == 0 && out == "hi cli\n" && err == "warn\n")
        let (_, list, _) = try await d.cli(["containers", "list", "--label", "lt.cli=\(suffix)"])
        #expect(list.hasPrefix("NAME") && list.contains(cliName))
        let (c4, _, badLabel) = try await d.cli(["containers", "list", "--label", "novalue"])
        #expect(c4 != 0 && badLabel.contains("--label: expected KEY=VALUE, got \"novalue\""))
        let (c5, rm, _) = try await d.cli(["containers", "rm", cliName])
        #expect(c5 == 0 && rm == "removed \(cliName)\n")
        let (c6, _, missing) = try await d.cli(["containers", "get", cliName])
        #expect(c6 != 0 && missing.contains("not_found") || missing.contains("no such"), "\(missing)")
    }
}
