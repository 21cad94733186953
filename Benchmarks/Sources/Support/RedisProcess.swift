import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway `redis-server` on a free loopback port, no persistence: the second event-bus
/// implementation the `swap` benchmark moves the bus to and back.
struct RedisProcess {
    let proc: Proc
    let port: Int
    var url: String { "redis://127.0.0.1:\(port)/0" }

    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static func start() async throws -> RedisProcess {
        let candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Unavailable(description: "redis-server is not installed (apt-get install redis-server; .ci/run does)")
        }
        let port = try freePort()
        let proc = try Proc.spawn(path, ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"])
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if accepts(port) { return RedisProcess(proc: proc, port: port) }
            try await Task.sleep(for: .milliseconds(20))
        }
        await proc.stop()
        throw Unavailable(description: "redis-server did not accept connections on port \(port) within 10 s")
    }

    func stop() async { await proc.stop(grace: .seconds(2)) }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = loopback(0)
        let bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw Unavailable(description: "bind: \(String(cString: strerror(errno)))") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = loopback(port)
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(port).bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return a
    }
}
