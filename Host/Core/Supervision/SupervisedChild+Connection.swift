import Foundation
import LightningProtocol
import Logging

extension SupervisedChild {
    /// The JSON-RPC connection of one run: the child's requests go to the host services under
    /// the child's manifest id; `log` and `$/progress` notifications are recorded.
    func makeConnection(send: @escaping @Sendable (Data) -> Bool) -> RPCConnection {
        let host = services.host
        let caller = manifestId
        return RPCConnection(
            label: name, maxInflight: spec.maxInflightFromChild, send: send,
            handler: { [weak self] method, params in
                guard let self else { throw WireError(.unavailable, "child is gone") }
                guard self.runtime.read({ $0.readyAt != nil }) || method == ChildProtocol.ping else {
                    throw WireError(.invalidArgument, "requests before the initialize handshake completed are refused")
                }
                switch method {
                case ChildProtocol.ping:
                    return .object([:])
                case Method.config:
                    return self.config
                default:
                    let out = try await host.call(method: method, params: try Wire.encode(params ?? .object([:])), caller: caller)
                    return try Wire.decode(JSONValue.self, from: out, what: "result of \(method)")
                }
            },
            onNotification: { [weak self] method, params in
                guard let self else { return }
                switch method {
                case Method.log:
                    let level = params?["level"]?.stringValue ?? "info"
                    let message = params?["message"]?.stringValue ?? "\(params ?? .null)"
                    // Every line goes to the child's log; at most `mirrorPerSecond` a second are copied
                    // to the daemon's own log (a flooding child must not stall the I/O thread with
                    // stderr writes, nor flood the operator's log).
                    let (mirror, dropped) = self.appendLogAndDecideMirror(level, String(message.prefix(4096)))
                    if dropped > 0 {
                        self.logger.notice("\(dropped) log lines of \(self.name) in the last second were not copied here (`lightning logs \(self.name)` has them)",
                                           metadata: ["lt.child": "\(self.name)"])
                    }
                    if mirror {
                        self.logger.log(level: Logger.Level(rawValue: level) ?? .info, "\(message.prefix(4096))", metadata: ["lt.child": "\(self.name)"])
                    }
                case ChildProtocol.progress:
                    if let p = try? Wire.decode(ProgressParams.self, from: Wire.encode(params ?? .null)) {
                        self.runtime.read { $0.progress }(p)
                    }
                case "$/error":
                    self.appendLog("protocol", "child reported an error without id: \(params ?? .null)")
                default:
                    self.appendLog("protocol", "unknown notification \(method)")
                }
            },
            onViolation: { [weak self] reason in self?.kill(reason: reason) },
            onMalformed: { [weak self] line, error in self?.recordMalformed(line, error: error) })
    }
}
