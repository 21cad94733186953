/// Splits Docker's multiplexed log stream (containers created without a TTY) into stdout and
/// stderr. Each frame is an 8-byte header `[STREAM, 0, 0, 0, SIZE as big-endian UInt32]`
/// followed by SIZE payload bytes; STREAM is 0 (stdin, written with stdout as Docker's stdcopy
/// does), 1 (stdout), 2 (stderr) or 3 (an error the engine reports in the stream).
///
/// ```
/// 01 00 00 00 00 00 00 04 6F 75 74 0A   → stdout "out\n"
/// 02 00 00 00 00 00 00 04 65 72 72 0A   → stderr "err\n"
/// ```
///
/// Frames may be split across `feed` calls anywhere, even inside the header.
public struct LogFrameDecoder: Sendable {
    public private(set) var stdout: [UInt8] = []
    public private(set) var stderr: [UInt8] = []
    private var pending: [UInt8] = []

    public init() {}

    /// Consumes `bytes`; complete frames go to `stdout`/`stderr`, a partial frame waits for more.
    /// - Throws: `LogFrameError` for a header with an unknown stream or non-zero padding, or a
    ///   stream-3 frame (its payload is the engine's error message).
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(LogFrameError) {
        pending.append(contentsOf: bytes)
        var i = 0
        while pending.count - i >= 8 {
            let stream = pending[i]
            guard pending[i + 1] == 0, pending[i + 2] == 0, pending[i + 3] == 0, stream <= 3 else {
                throw LogFrameError("frame header: expected [0-3, 0, 0, 0, size], got \(pending[i..<(i + 8)].map { String($0, radix: 16) }.joined(separator: " "))")
            }
            let size = Int(pending[i + 4]) << 24 | Int(pending[i + 5]) << 16 | Int(pending[i + 6]) << 8 | Int(pending[i + 7])
            guard pending.count - i - 8 >= size else { break }
            let payload = pending[(i + 8)..<(i + 8 + size)]
            switch stream {
            case 2: stderr.append(contentsOf: payload)
            case 3: throw LogFrameError("the engine reported an error in the log stream: \(String(decoding: payload, as: UTF8.self))")
            default: stdout.append(contentsOf: payload)
            }
            i += 8 + size
        }
        if i > 0 { pending.removeFirst(i) }
    }

    /// The stream ended: an unfinished frame is an error.
    public func finish() throws(LogFrameError) {
        guard pending.isEmpty else {
            throw LogFrameError("log stream ended inside a frame (\(pending.count) bytes of an incomplete frame)")
        }
    }

    /// Decodes a whole stream at once.
    public static func decode(_ bytes: some Collection<UInt8>) throws(LogFrameError) -> (stdout: [UInt8], stderr: [UInt8]) {
        var d = LogFrameDecoder()
        try d.feed(bytes)
        try d.finish()
        return (d.stdout, d.stderr)
    }
}

public struct LogFrameError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    init(_ d: String) { description = d }
}
