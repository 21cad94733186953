import LightningProtocol

/// Maps Docker's inspect document (`GET /containers/{id}/json`) to `ContainerInfo`.
///
/// | `State.Status` | contract state |
/// |---|---|
/// | `created` | `pending` (`failed` when `State.Error` says it could not start) |
/// | `restarting` | `pending`, detail `restarting` |
/// | `running`, `paused` | `running` (detail `paused`) |
/// | `exited` | `succeeded` for exit 0; `stopped` when stopped through this runtime or ended by SIGTERM/SIGKILL (143/137) without an OOM kill; `failed` otherwise |
/// | `dead` | `failed`, detail `dead` |
/// | `removing`, anything else | `unknown`, detail the engine's word |
enum ContainerStateMapping {
    static func info(fromInspect doc: JSONValue, stoppedByCaller: Bool) throws -> ContainerInfo {
        guard let id = doc["Id"]?.stringValue, let st = doc["State"], let status = st["Status"]?.stringValue else {
            throw WireError(.internal, "inspect: expected Id and State.Status in the engine's answer, got keys \(doc.objectValue.map { Array($0.keys).sorted() } ?? [])")
        }
        var name = doc["Name"]?.stringValue ?? id
        if name.hasPrefix("/") { name.removeFirst() }
        let image = doc["Config"]?["Image"]?.stringValue ?? doc["Image"]?.stringValue ?? ""
        var labels = doc["Config"]?["Labels"]?.objectValue?.compactMapValues(\.stringValue)
        if labels?.isEmpty ?? false { labels = nil }
        let exitCode = st["ExitCode"]?.intValue
        let oom = st["OOMKilled"]?.boolValue ?? false
        let error = st["Error"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        var detail: String? = nil
        var state: ContainerInfo.State
        var reportedExit: Int? = nil
        switch status {
        case "created":
            state = error == nil ? .pending : .failed
            detail = error
        case "restarting":
            state = .pending; detail = "restarting"
        case "running":
            state = .running
        case "paused":
            state = .running; detail = "paused"
        case "exited", "stopped":
            let code = exitCode ?? -1
            reportedExit = code
            if code == 0 { state = .succeeded }
            else if oom { state = .failed; detail = "OOMKilled" }
            else if stoppedByCaller || code == 143 || code == 137 { state = .stopped }
            else { state = .failed }
            if let error { detail = detail.map { "\($0); \(error)" } ?? error }
        case "dead":
            state = .failed; detail = "dead"; reportedExit = exitCode
        default:
            state = .unknown; detail = status
        }
        return ContainerInfo(name: name, image: image, state: state, runtimeId: id, exitCode: reportedExit, labels: labels,
                             createdAt: timestamp(doc["Created"]), startedAt: timestamp(st["StartedAt"]),
                             finishedAt: timestamp(st["FinishedAt"]), detail: detail)
    }

    /// An RFC 3339 engine time; Go's zero time (`0001-01-01T00:00:00Z`) means unset.
    static func timestamp(_ v: JSONValue?) -> Timestamp? {
        guard let s = v?.stringValue, let t = Timestamp(rfc3339: millisecondPrecision(s)), t.millis > 0 else { return nil }
        return t
    }

    /// Engines write nanoseconds (`2026-11-25T14:22:00.932574217Z`); keeps at most three
    /// fraction digits, which is all `Timestamp` holds. (`Timestamp(rfc3339:)` traps on more than
    /// three: `for _ in digits..<3` forms an invalid range before its `where` is checked.)
    static func millisecondPrecision(_ s: String) -> String {
        guard let dot = s.firstIndex(of: ".") else { return s }
        let fraction = s[s.index(after: dot)...].prefix(while: \.isNumber)
        guard fraction.count > 3 else { return s }
        return String(s[..<dot]) + "." + fraction.prefix(3) + s[fraction.endIndex...]
    }
}
