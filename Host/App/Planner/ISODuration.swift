public import Foundation

/// An ISO-8601 duration (`P1DT2H`, `PT30S`, `P2W`, `PT0.5S`): the schedule of a `time.interval`
/// event. Years, months and days are calendar steps (a day is 23 or 25 hours across a DST change
/// in a zone that has one); hours, minutes and seconds are exact.
public struct ISODuration: Sendable, Equatable, CustomStringConvertible {
    public var years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0
    public var seconds: Double = 0
    public let text: String

    /// - Throws: `ScheduleError` naming what is wrong: not `P…`, an unknown designator, a part out
    ///   of order or repeated, a fraction anywhere but the seconds, a zero duration.
    public init(parsing text: String) throws {
        self.text = text
        var s = Substring(text)
        guard s.first == "P" else { throw ScheduleError(text, "an ISO-8601 duration starts with P (e.g. PT1H, P1D, PT30S)") }
        s = s.dropFirst()
        guard !s.isEmpty else { throw ScheduleError(text, "nothing after P (e.g. PT1H)") }
        var inTime = false
        var lastRank = -1
        while !s.isEmpty {
            if s.first == "T" {
                guard !inTime else { throw ScheduleError(text, "T appears twice") }
                inTime = true
                lastRank = -1
                s = s.dropFirst()
                guard !s.isEmpty else { throw ScheduleError(text, "nothing after T (e.g. PT1H)") }
                continue
            }
            let number = s.prefix { $0.isNumber || $0 == "." || $0 == "," }
            guard !number.isEmpty else { throw ScheduleError(text, "expected a number before \"\(s.first.map(String.init) ?? "")\"") }
            s = s.dropFirst(number.count)
            guard let designator = s.first else { throw ScheduleError(text, "\(number) has no unit (Y, M, W, D, H, M or S)") }
            s = s.dropFirst()
            let order: [Character] = inTime ? ["H", "M", "S"] : ["Y", "M", "W", "D"]
            guard let rank = order.firstIndex(of: designator) else {
                throw ScheduleError(text, "unknown unit \"\(designator)\" \(inTime ? "after T (H, M, S)" : "before T (Y, M, W, D; hours, minutes and seconds go after T)")")
            }
            guard rank > lastRank else { throw ScheduleError(text, "\"\(designator)\" is out of order or repeated") }
            lastRank = rank
            let normalized = number.replacingOccurrences(of: ",", with: ".")
            let isFraction = normalized.contains(".")
            if isFraction && !(inTime && designator == "S") { throw ScheduleError(text, "only seconds may have a fraction (\(number)\(designator))") }
            guard let value = Double(normalized), value.isFinite, value <= 1_000_000_000 else {
                throw ScheduleError(text, "\(number) is not a number in range")
            }
            switch (inTime, designator) {
            case (false, "Y"): years = Int(value)
            case (false, "M"): months = Int(value)
            case (false, "W"): weeks = Int(value)
            case (false, "D"): days = Int(value)
            case (true, "H"): hours = Int(value)
            case (true, "M"): minutes = Int(value)
            default: seconds = value
            }
        }
        guard years + months + weeks + days + hours + minutes > 0 || seconds > 0 else {
            throw ScheduleError(text, "a zero duration never advances; use at least PT1S")
        }
    }

    public var description: String { text }

    /// `from` plus this duration in `timeZone`'s calendar.
    public func advance(_ from: Date, in timeZone: TimeZone = .gmt) -> Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        var c = DateComponents()
        c.year = years; c.month = months; c.day = days + 7 * weeks
        let dated = cal.date(byAdding: c, to: from) ?? from
        return dated.addingTimeInterval(Double(hours) * 3600 + Double(minutes) * 60 + seconds)
    }

    /// The exact length when it has no calendar part (years, months, weeks, days), else nil.
    public var exactSeconds: Double? {
        years == 0 && months == 0 && weeks == 0 && days == 0 ? Double(hours) * 3600 + Double(minutes) * 60 + seconds : nil
    }
}

/// A schedule that does not parse: the text and what is wrong with it.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public init(_ text: String, _ reason: String) { self.text = text; self.reason = reason }
    public var description: String { "\"\(text)\": \(reason)" }
}
