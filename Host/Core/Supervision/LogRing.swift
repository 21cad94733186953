import LightningProtocol

/// The last `capacity` log lines of a child (bounded memory whatever it writes).
struct LogRing: Sendable {
    private var lines: [ProcessLogLine] = []
    private var start = 0
    let capacity: Int
    private(set) var dropped = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ line: ProcessLogLine) {
        if lines.count < capacity { lines.append(line); return }
        lines[start] = line
        start = (start + 1) % capacity
        dropped += 1
    }

    /// Oldest first; the last `limit` lines.
    func tail(_ limit: Int) -> [ProcessLogLine] {
        let ordered = Array(lines[start...] + lines[..<start])
        return Array(ordered.suffix(max(0, limit)))
    }
}
