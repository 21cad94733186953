import Foundation
import LightningProtocol

/// How to run and supervise one child program: the `process` section of an agent or function
/// manifest (docs/manifests.md#process, docs/supervision.md).
public struct ChildSpec: Sendable, Equatable {
    /// OTP restart types.
    public enum Restart: String, Sendable, CaseIterable, Codable {
        /// Always restarted.
        case permanent
        /// Restarted only after an abnormal exit (non-zero code, a signal, or killed for cause).
        case transient
        /// Never restarted.
        case temporary
    }

    public struct Backoff: Sendable, Equatable {
        public var initialMs = 100
        public var maxMs = 30_000
        public var multiplier = 2.0
        /// Random spread, as a fraction of the delay (0.1 = ±10 %).
        public var jitter = 0.1
        /// The first restart after a stable run happens at once (crash → ready in milliseconds).
        public var firstRestartImmediate = true
    }

    /// Restart intensity: more than `maxRestarts` restarts within `withinSeconds` → `failed`.
    public struct Intensity: Sendable, Equatable {
        public var maxRestarts = 5
        public var withinSeconds = 60
    }

    /// Program: an absolute path, a path relative to the manifest's folder (`./bin/agent`), or a
    /// bare name looked up in the plugin folders (build products) and then `PATH`.
    public var command: String
    /// Arguments; `${manifest_dir}` expands to the manifest's folder.
    public var args: [String] = []
    /// Extra environment; the child otherwise gets only PATH, HOME, LANG, TMPDIR and LIGHTNING_* identity.
    public var env: [String: String] = [:]
    public var workingDir: String?
    public var restart: Restart = .permanent
    public var backoff = Backoff()
    public var intensity = Intensity()
    public var readinessTimeoutMs = 10_000
    /// 0 = no heartbeats.
    public var heartbeatIntervalMs = 0
    public var heartbeatTimeoutMs: Int?
    /// shutdown request → wait this long → SIGTERM to the group → wait this long → SIGKILL.
    public var stopTimeoutMs = 5_000
    public var maxMessageBytes = ChildProtocol.defaultMaxMessageBytes
    /// Requests the child may have in flight to the host.
    public var maxInflightFromChild = 64
    /// The manifest's top-level `sandbox` section, completed by the supervisor (scratch
    /// directory, hidden paths). Profile `none` by default (docs/sandbox.md).
    public var sandbox = SandboxPolicy()

    public init(command: String) { self.command = command }

    public var effectiveHeartbeatTimeoutMs: Int { heartbeatTimeoutMs ?? max(1000, heartbeatIntervalMs * 3) }

    /// Reads the `process` object, recording every problem in `c` with its field path.
    static func parse(_ value: JSONValue, _ c: inout FieldChecker) -> ChildSpec? {
        guard case .object(let o) = value else { c.fail("process", "an object", value.typeDescription); return nil }
        let known: Set = ["command", "args", "env", "working_dir", "restart", "backoff", "intensity", "readiness_timeout_ms",
                          "heartbeat_interval_ms", "heartbeat_timeout_ms", "stop_timeout_ms", "max_message_bytes", "max_inflight"]
        for key in o.keys.sorted() where !known.contains(key) {
            c.fail("process.\(key)", "one of \(known.sorted().joined(separator: ", "))", "an unknown field")
        }
        let command = c.string(o, "command", required: true, prefix: "process") ?? ""
        var spec = ChildSpec(command: command)
        if let v = o["args"] {
            if case .array(let a) = v, a.allSatisfy({ $0.stringValue != nil }) { spec.args = a.compactMap(\.stringValue) }
            else { c.fail("process.args", "an array of strings", v.typeDescription) }
        }
        if let v = o["env"] {
            if case .object(let e) = v, e.values.allSatisfy({ $0.stringValue != nil }) { spec.env = e.compactMapValues(\.stringValue) }
            else { c.fail("process.env", "an object of strings", v.typeDescription) }
        }
        spec.workingDir = c.string(o, "working_dir", required: false, prefix: "process")
        if let r = c.string(o, "restart", required: false, prefix: "process") {
            if let v = Restart(rawValue: r) { spec.restart = v } else {
                c.fail("process.restart", "\"permanent\", \"transient\" or \"temporary\"", "\"\(r)\"")
            }
        }
        if let v = o["backoff"] {
            if case .object(let b) = v {
                for key in b.keys.sorted() where !["initial_ms", "max_ms", "multiplier", "jitter", "first_restart_immediate"].contains(key) {
                    c.fail("process.backoff.\(key)", "initial_ms, max_ms, multiplier, jitter or first_restart_immediate", "an unknown field")
                }
                spec.backoff.initialMs = c.int(b, "initial_ms", required: false, range: 0...3_600_000, prefix: "process.backoff") ?? spec.backoff.initialMs
                spec.backoff.maxMs = c.int(b, "max_ms", required: false, range: 0...86_400_000, prefix: "process.backoff") ?? spec.backoff.maxMs
                if let m = b["multiplier"] {
                    if let d = m.doubleValue, d >= 1, d <= 100 { spec.backoff.multiplier = d } else { c.fail("process.backoff.multiplier", "a number from 1 to 100", "\(m)") }
                }
                if let j = b["jitter"] {
                    if let d = j.doubleValue, d >= 0, d <= 1 { spec.backoff.jitter = d } else { c.fail("process.backoff.jitter", "a number from 0 to 1", "\(j)") }
                }
                if let f = b["first_restart_immediate"] {
                    if let x = f.boolValue { spec.backoff.firstRestartImmediate = x } else { c.fail("process.backoff.first_restart_immediate", "a boolean", f.typeDescription) }
                }
                if spec.backoff.maxMs < spec.backoff.initialMs { c.fail("process.backoff.max_ms", "at least initial_ms (\(spec.backoff.initialMs))", "\(spec.backoff.maxMs)") }
            } else { c.fail("process.backoff", "an object", v.typeDescription) }
        }
        if let v = o["intensity"] {
            if case .object(let i) = v {
                spec.intensity.maxRestarts = c.int(i, "max_restarts", required: false, range: 0...100_000, prefix: "process.intensity") ?? spec.intensity.maxRestarts
                spec.intensity.withinSeconds = c.int(i, "within_seconds", required: false, range: 1...86_400, prefix: "process.intensity") ?? spec.intensity.withinSeconds
            } else { c.fail("process.intensity", "an object", v.typeDescription) }
        }
        spec.readinessTimeoutMs = c.int(o, "readiness_timeout_ms", required: false, range: 1...600_000, prefix: "process") ?? spec.readinessTimeoutMs
        spec.heartbeatIntervalMs = c.int(o, "heartbeat_interval_ms", required: false, range: 0...3_600_000, prefix: "process") ?? 0
        spec.heartbeatTimeoutMs = c.int(o, "heartbeat_timeout_ms", required: false, range: 1...3_600_000, prefix: "process")
        spec.stopTimeoutMs = c.int(o, "stop_timeout_ms", required: false, range: 0...600_000, prefix: "process") ?? spec.stopTimeoutMs
        spec.maxMessageBytes = c.int(o, "max_message_bytes", required: false, range: 1024...(256 << 20), prefix: "process") ?? spec.maxMessageBytes
        spec.maxInflightFromChild = c.int(o, "max_inflight", required: false, range: 1...10_000, prefix: "process") ?? spec.maxInflightFromChild
        return spec
    }
}
