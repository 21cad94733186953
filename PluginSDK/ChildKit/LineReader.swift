import Foundation
import Synchronization

/// Reads newline-delimited messages from a file descriptor (stdin) on a dedicated thread.
///
/// ```
/// fd 0 ──read(2)──▶ split at \n ──▶ strip \r, skip blank ──▶ deliver(.line)
///                        │ over the limit: discard to the next \n ──▶ deliver(.oversize)
///                        └ end of file / read error ──────────────────▶ deliver(.end)
/// ```
///
/// The thread blocks in `read(2)`, off Swift's cooperative pool, so a child whose handlers keep
/// every pool thread busy still reads (and answers `$/ping`). Items are delivered in order on
/// the reader thread; the thread ends after `.end` or when `deliver` returns false.
final class LineReader: Sendable {
    /// What the reader found.
    enum Item: Sendable {
        /// One message line, without its `\n` (and `\r`), never empty.
        case line(Data)
        /// A line longer than the limit: its first bytes (at most `prefixBytes`) and its length.
        case oversize(prefix: Data, length: Int)
        /// End of input: nil at end of file, else the failed call's error text.
        case end(String?)
    }

    /// How much of an over-size line is kept for finding its id.
    static let prefixBytes = 64 << 10

    private let fd: Int32
    private let limit: Mutex<Int>

    /// - Parameters:
    ///   - fd: the descriptor to read (0 for stdin); never closed by the reader.
    ///   - maxLineBytes: the longest accepted line, newline excluded.
    init(fd: Int32 = 0, maxLineBytes: Int) {
        self.fd = fd
        self.limit = Mutex(max(1, maxLineBytes))
    }

    /// Changes the longest accepted line; applies from the next line read.
    func setMaxLineBytes(_ bytes: Int) { limit.withLock { $0 = max(1, bytes) } }

    /// Starts the reader thread.
    /// - Parameter deliver: called on the reader thread for each item, in order; return false
    ///   to stop reading.
    func start(_ deliver: @escaping @Sendable (Item) -> Bool) {
        let thread = Thread { [self] in self.loop(deliver) }
        thread.name = "lightning-childkit-stdin"
        thread.start()
    }

    private func loop(_ deliver: (Item) -> Bool) {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var line: [UInt8] = []
        var discarding = false
        var discardedLength = 0
        var prefix: [UInt8] = []

        /// Ends the current line; returns false when the consumer wants no more.
        func finishLine() -> Bool {
            defer { line.removeAll(keepingCapacity: line.capacity <= 1 << 20) }
            if discarding {
                discarding = false
                defer { prefix = [] }
                return deliver(.oversize(prefix: Data(prefix), length: discardedLength))
            }
            if line.last == 0x0D { line.removeLast() }
            if line.count > limit.withLock({ $0 }) {
                return deliver(.oversize(prefix: Data(line.prefix(Self.prefixBytes)), length: line.count))
            }
            guard line.contains(where: { !Self.isSpace($0) }) else { return true }
            return deliver(.line(Data(line)))
        }

        while true {
            let n = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Sys.read(fd, base, raw.count)
            }
            if n <= 0 {
                if n == 0, !line.isEmpty || discarding { _ = finishLine() }
                _ = deliver(.end(n == 0 ? nil : "read(\(fd)): \(Sys.errorText)"))
                return
            }
            var start = 0
            while start < n {
                let newline = chunk[start..<n].firstIndex(of: 0x0A)
                let end = newline ?? n
                if discarding {
                    discardedLength += end - start
                } else {
                    line.append(contentsOf: chunk[start..<end])
                    // One extra byte allows for a trailing \r.
                    if line.count > limit.withLock({ $0 }) + 1 {
                        discarding = true
                        discardedLength = line.count
                        prefix = Array(line.prefix(Self.prefixBytes))
                        line = []
                    }
                }
                if newline != nil, !finishLine() { return }
                start = end + 1
            }
        }
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
}
