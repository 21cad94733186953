import Foundation
import LightningTestSupport
import LightningProtocol
import Synchronization

/// One loopback Service Bus (`Tests/Fakes/servicebus_fake.py`) for the whole test process,
/// started on first use, as the Redis suite shares one `redis-server`: each conformance store
/// is a topic of its own on it. The fake exits when the test process does (it watches its parent).
final class ServiceBusFakeProcess: Sendable {
    let process: TestProcess
    let port: Int
    static let keyName = "RootManageSharedAccessKey"
    /// Used as written (Service Bus does not base64-decode SAS keys).
    static let key = "SGVsbG9Xb3JsZEtleQ=="

    private init(process: TestProcess, port: Int) { self.process = process; self.port = port }

    /// The plugin config for a store on `topic`.
    func config(topic: String) -> [String: JSONValue] {
        ["connection_string": .string("Endpoint=sb://conformance.servicebus.windows.net/;SharedAccessKeyName=\(Self.keyName);SharedAccessKey=\(Self.key)"),
         "endpoint": .string("http://127.0.0.1:\(port)"), "topic": .string(topic)]
    }

    /// - Throws: `TestFailure` when python3 is missing or the fake does not start.
    static func shared() throws -> ServiceBusFakeProcess {
        try slot.withLock { slot in
            if let s = slot { return try s.get() }
            let result = Result { try start() }
            slot = result.mapError { TestFailure("\($0)") }
            return try result.get()
        }
    }

    private static let slot = Mutex<Result<ServiceBusFakeProcess, TestFailure>?>(nil)

    private static func start() throws -> ServiceBusFakeProcess {
        let script = BuildProducts.repoRoot.appendingPathComponent("Tests/Fakes/servicebus_fake.py").path
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/env"
        let args = (python == "/usr/bin/env" ? ["python3"] : []) + ["-u", script, "--key-name", keyName, "--key", key]
        let p = try TestProcess(URL(fileURLWithPath: python), args)
        // Polls its stdout for `LISTENING <port>` (at most 20 s; it takes well under one).
        for _ in 0..<400 {
            if let line = p.stdout.split(separator: "\n").first(where: { $0.hasPrefix("LISTENING ") }),
               let port = line.split(separator: " ").last.flatMap({ Int($0) }) {
                return ServiceBusFakeProcess(process: p, port: port)
            }
            usleep(50_000)
        }
        p.signal(SIGKILL)
        throw TestFailure("servicebus_fake.py did not print LISTENING within 20 s; stderr:\n\(p.stderr.suffix(2000))")
    }
}
