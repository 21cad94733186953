import Foundation
import LightningTestSupport

/// A network namespace joined to the host's by one veth pair, for partition tests: a program run
/// through `launcher` (`ip netns exec NAME`) sees only its own loopback and the link, so it
/// reaches the host at `hostAddress` and is reached at `nodeAddress`. `cut()` takes the host end
/// of the link down: packets in both directions vanish and neither side is told (no RST, no
/// ICMP), as when a cable or a switch between two machines fails. `heal()` brings it back, and
/// TCP connections that did not time out meanwhile carry on.
///
/// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2's `ip`; `available` says whether
/// this machine can (CI's machines can: `.ci/run` installs iproute2 when it is missing).
final class IsolatedNetwork: @unchecked Sendable {
    // Immutable after init; `removed` is only touched by `remove()`, called once by the owner.
    let name: String
    let hostInterface: String
    let hostAddress: String
    let nodeAddress: String
    private var removed = false

    static let ip: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether namespaces can be made here: `ip` exists and adding and deleting one works.
    static let available: Bool = {
        guard getuid() == 0, let ip else { return false }
        let probe = "lt-probe-\(getpid())"
        guard let add = try? TestProcess(URL(fileURLWithPath: ip), ["netns", "add", probe]), add.waitBlockingForTests() == 0 else { return false }
        _ = (try? TestProcess(URL(fileURLWithPath: ip), ["netns", "del", probe]))?.waitBlockingForTests()
        return true
    }()

    static let missing = "network namespaces need root and iproute2's `ip` (apt-get install iproute2)"

    /// `ip netns exec NAME`: put it before a program and its arguments to run it in the namespace.
    var launcher: [String] { [Self.ip ?? "ip", "netns", "exec", name] }

    private init(index: Int) {
        name = "lt-part-\(index)"
        hostInterface = "ltp\(index)h"
        hostAddress = "10.213.\(index).1"
        nodeAddress = "10.213.\(index).2"
    }

    /// Makes the namespace, the link and the addresses (10.213.N.1 on the host, .2 inside), with
    /// N free on this machine (no namespace or interface of that name yet).
    static func create() async throws -> IsolatedNetwork {
        guard available, let ip else { throw TestFailure(missing) }
        let (_, links) = try await TestProcess.run(ip, ["-o", "link", "show"])
        let (_, namespaces) = try await TestProcess.run(ip, ["netns", "list"])
        guard let index = (1...250).shuffled().first(where: { !links.contains("ltp\($0)h") && !namespaces.contains("lt-part-\($0) ") && !namespaces.contains("lt-part-\($0)\n") }) else {
            throw TestFailure("no free lt-part-N namespace: \(namespaces)")
        }
        let net = IsolatedNetwork(index: index)
        let nodeInterface = "ltp\(index)n"
        do {
            try await net.run(["netns", "add", net.name])
            try await net.run(["link", "add", net.hostInterface, "type", "veth", "peer", "name", nodeInterface])
            try await net.run(["link", "set", nodeInterface, "netns", net.name])
            try await net.run(["addr", "add", "\(net.hostAddress)/24", "dev", net.hostInterface])
            try await net.run(["link", "set", net.hostInterface, "up"])
            try await net.run(["netns", "exec", net.name, ip, "addr", "add", "\(net.nodeAddress)/24", "dev", nodeInterface])
            try await net.run(["netns", "exec", net.name, ip, "link", "set", nodeInterface, "up"])
            try await net.run(["netns", "exec", net.name, ip, "link", "set", "lo", "up"])
        } catch {
            await net.remove()
            throw error
        }
        return net
    }

    /// The partition: the host end goes down, so nothing passes either way.
    func cut() async throws { try await run(["link", "set", hostInterface, "down"]) }

    /// The link back up (the addresses stay).
    func heal() async throws { try await run(["link", "set", hostInterface, "up"]) }

    /// Deletes the namespace, which deletes the link with it. Kill what runs inside first.
    func remove() async {
        guard !removed, let ip = Self.ip else { return }
        removed = true
        _ = try? await TestProcess.run(ip, ["netns", "del", name])
        _ = try? await TestProcess.run(ip, ["link", "del", hostInterface])  // already gone with the namespace, normally
    }

    private func run(_ args: [String]) async throws {
        let (status, output) = try await TestProcess.run(Self.ip ?? "ip", args, timeout: .seconds(30))
        guard status == 0 else { throw TestFailure("ip \(args.joined(separator: " ")): exit \(status): \(output)") }
    }

    deinit {
        guard !removed, let ip = Self.ip else { return }
        // A test that threw before `remove()`: do not leave the namespace behind.
        _ = (try? TestProcess(URL(fileURLWithPath: ip), ["netns", "del", name]))?.waitBlockingForTests()
    }
}

/// `Tests/Fakes/tcp_forward.py`: accepts on `host` (a free port) and forwards to `target`.
final class TCPForwarder: @unchecked Sendable {
    // Immutable after init.
    let process: TestProcess
    let port: Int

    private init(process: TestProcess, port: Int) {
        self.process = process
        self.port = port
    }

    static func start(listening host: String, to targetHost: String, _ targetPort: Int) async throws -> TCPForwarder {
        let script = BuildProducts.repoRoot.appendingPathComponent("Tests/Fakes/tcp_forward.py").path
        let p = try TestProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, host, targetHost, String(targetPort)])
        let line = try await p.waitForLine(containing: "forwarding ", timeout: .seconds(30))
        guard let port = line.split(separator: " ").last.flatMap({ Int($0) }) else { throw TestFailure("tcp_forward.py said \"\(line)\"") }
        return TCPForwarder(process: p, port: port)
    }

    deinit {
        process.signal(SIGKILL)
        _ = process.waitBlockingForTests()
    }
}
