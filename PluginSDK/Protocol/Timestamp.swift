public import Foundation

/// An instant on the wire: RFC 3339 in UTC with milliseconds (`2026-11-24T10:00:00.123Z`).
/// Decoding also accepts a number of seconds since 1970 and RFC 3339 without fractions or with
/// an offset.
public struct Timestamp: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millis: Int64

    public init(millis: Int64) { self.millis = millis }
    public init(_ date: Date) { self.millis = Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.millis < b.millis }
    /// `seconds` later (earlier when negative), saturating at the range of `Timestamp.valid`.
    public func adding(seconds: Double) -> Timestamp {
        guard !seconds.isNaN else { return self }
        let total = Double(millis) + seconds * 1000
        return Timestamp(millis: Int64(min(max(total, Double(Self.valid.lowerBound)), Double(Self.valid.upperBound))))
    }

    /// The instants the wire accepts: years 1 to 9999 (what RFC 3339 can write).
    public static let valid: ClosedRange<Int64> = -62_135_596_800_000 ... 253_402_300_799_999

    /// `seconds` since 1970; nil when it is not finite or outside `valid` (no trap on any input).
    public init?(secondsSince1970 seconds: Double) {
        let ms = (seconds * 1000).rounded()
        guard ms.isFinite, ms >= Double(Self.valid.lowerBound), ms <= Double(Self.valid.upperBound) else { return nil }
        self.millis = Int64(ms)
    }

    public var description: String {
        var t = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        let ms = Int((millis % 1000 + 1000) % 1000)
        func p(_ v: Int32, _ w: Int) -> String {
            let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1, 2))-\(p(tmv.tm_mday, 2))T"
            + "\(p(tmv.tm_hour, 2)):\(p(tmv.tm_min, 2)):\(p(tmv.tm_sec, 2)).\(p(Int32(ms), 3))Z"
    }

    /// Parses RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`); nil when malformed.
    public init?(rfc3339 s: String) {
        let u = Array(s.utf8)
        func num(_ from: Int, _ n: Int) -> Int? {
            guard from + n <= u.count else { return nil }
            var v = 0
            for i in from..<(from + n) {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard u.count >= 20, let y = num(0, 4), u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2),
            u[10] == 84 || u[10] == 116 || u[10] == 32, let h = num(11, 2), u[13] == 58, let mi = num(14, 2),
            u[16] == 58, let sec = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61
        else { return nil }
        var i = 19
        var ms = 0
        if i < u.count, u[i] == 46 {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 3 { ms = ms * 10 + Int(u[i] - 48) }
                digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            // Fewer than 3 digits scale up (".5" = 500 ms); more are truncated to milliseconds
            // (podman and Azure send nanoseconds).
            if digits < 3 { for _ in digits..<3 { ms *= 10 } }
        }
        var offset = 0
        guard i < u.count else { return nil }
        if u[i] == 90 || u[i] == 122 {
            i += 1
        } else if u[i] == 43 || u[i] == 45, let oh = num(i + 1, 2), u.count > i + 3, u[i + 3] == 58, let om = num(i + 4, 2) {
            offset = (oh * 60 + om) * 60 * (u[i] == 43 ? 1 : -1)
            i += 6
        } else { return nil }
        guard i == u.count else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let secs = Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + sec) - Int64(offset)
        self.millis = secs * 1000 + Int64(ms)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            guard let t = Timestamp(rfc3339: s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an RFC 3339 timestamp, got \"\(s)\"")
            }
            self = t
        } else if let d = try? c.decode(Double.self) {
            guard let t = Timestamp(secondsSince1970: d) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an RFC 3339 timestamp or seconds since 1970 within years 1 to 9999, got \(d)")
            }
            self = t
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an RFC 3339 timestamp string")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
