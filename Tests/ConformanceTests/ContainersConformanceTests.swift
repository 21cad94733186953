import Foundation
import HostCore
import LightningConformance
import LightningProtocol
import LightningTestSupport
import Testing

/// The containers contract (LightningConformance's `ContainersRules`, docs/plugin-abi.md#containers)
/// against every shipped runtime, in both isolation tiers: `docker-containers` against podman's
/// Docker-compatible service (Tests/Fakes/podman-setup.sh; `. /tmp/testenv.sh` sets
/// LT_PODMAN_SOCKET) and `aci-containers` against its loopback ARM fake (Tests/Fakes/arm_fake.py,
/// which checks requests as ARM does). The same rules `lightning plugins test` runs against a
/// third party's runtime. One `.serialized` test per runtime and tier: the runtimes run side by
/// side, their rules one after another.
@Suite(.timeLimit(.minutes(10)))
struct ContainersConformanceTests {
    /// The busybox image podman-setup.sh builds, imported once per test process.
    static let kitImage = "localhost/lt-kit-busybox:1"

    @Test(.serialized, .enabled(if: PodmanService.availableOrExplained, "podman's Docker-compatible API is not available: run `bash Tests/Fakes/podman-setup.sh`"),
          arguments: ContainersRules.all)
    func dockerKeepsTheContract(_ rule: ConformanceRule) async throws { try await check(try await Self.docker(.inProcess), rule) }

    @Test(.serialized, .enabled(if: PodmanService.availableOrExplained, "podman's Docker-compatible API is not available: run `bash Tests/Fakes/podman-setup.sh`"),
          arguments: ContainersRules.all)
    func dockerInAProcessKeepsTheContract(_ rule: ConformanceRule) async throws { try await check(try await Self.docker(.process), rule) }

    @Test(.serialized, arguments: ContainersRules.all)
    func aciKeepsTheContract(_ rule: ConformanceRule) async throws { try await check(Self.aci(.inProcess), rule) }

    @Test(.serialized, arguments: ContainersRules.all)
    func aciInAProcessKeepsTheContract(_ rule: ConformanceRule) async throws { try await check(Self.aci(.process), rule) }

    func check(_ target: ConformanceTarget, _ rule: ConformanceRule) async throws {
        let result = await ConformanceRunner.run(rule, on: target)
        for failure in result.failures {
            Issue.record("\(target.name): \(rule.id) (\(rule.section)): \(failure)")
        }
    }

    /// Every functions and containers rule names a heading of docs/plugin-abi.md that exists.
    @Test func everyRuleNamesASectionOfTheDocs() throws {
        let doc = try String(contentsOf: BuildProducts.repoRoot.appendingPathComponent("docs/plugin-abi.md"), encoding: .utf8)
        let anchors = DocAnchors.anchors(of: doc)
        for rule in ContainersRules.all + FunctionsRules.all {
            let anchor = try #require(rule.section.split(separator: "#").last.map(String.init), "\(rule.id)")
            #expect(anchors.contains(anchor), "\(rule.id): \(rule.section) is not a heading of docs/plugin-abi.md")
        }
    }

    // MARK: Targets

    /// `docker-containers` on podman's socket, with the kit's image imported (once).
    static func docker(_ tier: ConformanceTarget.Tier) async throws -> ConformanceTarget {
        let podman = try #require(PodmanService.endpoint)
        try await KitImage.shared.ensure(socket: podman.socket, tarball: podman.rootfsTarball)
        var t = ConformanceTarget.library(spec("LightningDockerContainers", "docker-containers"), tier: tier, lightning: BuildProducts.lightning,
                                          config: ["socket": .string(podman.socket)])
        t.fixtures = ["image": kitImage]
        return t
    }

    /// `aci-containers` against a fresh ARM fake per instance (kept when the instance is reopened).
    static func aci(_ tier: ConformanceTarget.Tier) -> ConformanceTarget {
        let subscription = "00000000-1111-2222-3333-444444444444", tenant = "contoso.onmicrosoft.com"
        let clientId = "11111111-2222-3333-4444-555555555555", secret = "cs~" + UUID().uuidString
        let library = spec("LightningACIContainers", "aci-containers")
        var t = ConformanceTarget(name: tier == .inProcess ? "aci-containers" : "aci-containers (process)") { dataDir, context in
            let dir = try dataDir ?? ConformanceTarget.freshDirectory()
            let arm: FakeServer
            if let running = context as? FakeServer { arm = running } else {
                arm = try await FakeServer(script: "arm_fake.py", args: [
                    "--client-secret", secret, "--tenant", tenant, "--client-id", clientId,
                    "--subscription", subscription, "--resource-group", "lightning-kit", "--page-size", "2",
                ])
            }
            let config: [String: JSONValue] = [
                "subscription_id": .string(subscription), "resource_group": "lightning-kit", "location": "westeurope",
                "tenant_id": .string(tenant), "client_id": .string(clientId), "client_secret": .string(secret),
                "authority_url": .string(arm.baseURL), "management_url": .string(arm.baseURL), "poll_interval_ms": 20,
                "data_dir": .string(dir.path),
            ]
            let connection = try await ConformanceTarget.connect(library, tier: tier, lightning: BuildProducts.lightning, config: config)
            return ConformanceInstance(connection: connection, dataDir: dir, context: arm)
        }
        t.fixtures = ["image": "busybox:1.36"]
        return t
    }

    static func spec(_ product: String, _ id: String) -> LibrarySpec {
        LibrarySpec(url: BuildProducts.url("lib\(product).so"), sha256: nil, expectedId: id, expectedVersion: nil, subject: id)
    }
}

/// Imports the busybox rootfs as `ContainersConformanceTests.kitImage` once per process, through
/// the plugin itself.
actor KitImage {
    static let shared = KitImage()
    private var done = false

    func ensure(socket: String, tarball: String) async throws {
        if done { return }
        let connection = try await ConformanceTarget.connect(library: BuildProducts.url("libLightningDockerContainers.so"), id: "docker-containers",
                                                             tier: .inProcess, lightning: BuildProducts.lightning,
                                                             config: ["socket": .string(socket), "data_dir": .string(NSTemporaryDirectory())])
        do {
            _ = try await connection.call(Method.imagesImport, ImageRequest(image: ContainersConformanceTests.kitImage, source: tarball), as: ImageResult.self)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        done = true
    }
}

/// The anchors GitHub gives the headings of a Markdown document.
enum DocAnchors {
    static func anchors(of markdown: String) -> Set<String> {
        var out: Set<String> = []
        for line in markdown.split(separator: "\n") where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            let slug = title.lowercased().compactMap { c -> String? in
                if c == " " { return "-" }
                if c.isLetter || c.isNumber || c == "-" || c == "_" { return String(c) }
                return nil
            }.joined()
            out.insert(slug)
        }
        return out
    }
}
