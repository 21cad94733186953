#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import LightningProtocol

/// Modes that break the handshake or stop serving, so they speak the protocol by hand (one
/// thread, blocking stdio reads) instead of through ChildKit.
enum ByHand {
    /// Exits with `code` as soon as an `initialize` request arrives, without answering.
    static func exitOnInitialize(code: Int32) -> Never {
        _ = waitForInitialize()
        exit(code)
    }

    /// Reads stdin and never answers anything; exits at stdin EOF.
    static func neverReady() -> Never {
        while readLine() != nil {}
        exit(0)
    }

    /// Answers `initialize`, then never reads stdin again.
    static func noRead() -> Never {
        answerInitialize()
        TestChildIO.sleepForever()
    }

    /// Answers `initialize`, then reads everything and answers nothing, not even at EOF.
    static func hang() -> Never {
        answerInitialize()
        while readLine() != nil {}
        TestChildIO.sleepForever()
    }

    /// Answers `initialize` after `ms` milliseconds, then reads until EOF and exits 0.
    static func slowReady(ms: Int) -> Never {
        let id = waitForInitialize()
        usleep(UInt32(ms) * 1000)
        TestChildIO.stdout(RPCMessage.response(id: id, result: initializeResult).line())
        while readLine() != nil {}
        exit(0)
    }

    /// Writes `count` non-JSON lines and the `initialize` answer in one write (the host reads
    /// them in one go), then reads until EOF and exits 0.
    static func garbageBeforeInitialize(count: Int) -> Never {
        let id = waitForInitialize()
        var out = Data()
        for n in 1...max(1, count) { out += Data("garbage before the answer \(n)\n".utf8) }
        out += RPCMessage.response(id: id, result: initializeResult).line()
        TestChildIO.stdout(out)
        while readLine() != nil {}
        exit(0)
    }

    /// Reads until an `initialize` request; returns its id. Exits 0 at EOF.
    private static func waitForInitialize() -> RPCID {
        while let line = readLine() {
            if case .request(let id, ChildProtocol.initialize, _)? = try? RPCMessage.parse(Data(line.utf8)) { return id }
        }
        exit(0)
    }

    private static let initializeResult: JSONValue = [
        "protocol_version": .string(ChildProtocol.version),
        "child": ["name": "lt-test-child", "version": "1.0.0"],
        "handles": ["test.*"],
        "functions": ["echo", "sleep", "pid"],
    ]

    private static func answerInitialize() {
        let id = waitForInitialize()
        TestChildIO.stdout(RPCMessage.response(id: id, result: initializeResult).line())
    }
}
