public import Foundation

/// A cron expression: 5 fields (`minute hour day-of-month month day-of-week`) or 6 with seconds
/// first, as in Vixie cron: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, month
/// names `JAN`–`DEC`, weekday names `SUN`–`SAT` (0 and 7 are Sunday). When both day fields are
/// restricted a day matches either (cron's rule). Evaluated in a time zone (default UTC).
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// - Throws: `ScheduleError` naming the field and what is wrong with it.
    public init(parsing text: String) throws {
        self.text = text
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw ScheduleError(text, "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got \(fields.count)")
        }
        let f = fields.count == 6 ? fields : ["0"] + fields
        seconds = try Self.field(f[0], "seconds", 0...59, names: [], text)
        minutes = try Self.field(f[1], "minute", 0...59, names: [], text)
        hours = try Self.field(f[2], "hour", 0...23, names: [], text)
        daysOfMonth = try Self.field(f[3], "day-of-month", 1...31, names: [], text)
        months = try Self.field(f[4], "month", 1...12, names: Self.monthNames, nameBase: 1, text)
        var dow = try Self.field(f[5], "day-of-week", 0...7, names: Self.dayNames, text)
        if dow.remove(7) != nil { dow.insert(0) }
        daysOfWeek = dow
        domRestricted = f[3] != "*" && f[3] != "?"
        dowRestricted = f[5] != "*" && f[5] != "?"
    }

    public var description: String { text }

    static func field(_ s: String, _ name: String, _ range: ClosedRange<Int>, names: [String], nameBase: Int = 0, _ text: String) throws -> Set<Int> {
        var out = Set<Int>()
        func value(_ v: Substring) throws -> Int {
            if let n = Int(v) {
                guard range.contains(n) else { throw ScheduleError(text, "\(name) field: \(n) is outside \(range.lowerBound)–\(range.upperBound)") }
                return n
            }
            if let i = names.firstIndex(of: v.uppercased()) { return i + nameBase }
            throw ScheduleError(text, "\(name) field: \"\(v)\" is not a number\(names.isEmpty ? "" : " or a name (\(names.first!)–\(names.last!))")")
        }
        for part in s.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw ScheduleError(text, "\(name) field: empty item in \"\(s)\"") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ScheduleError(text, "\(name) field: more than one / in \"\(part)\"") }
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n >= 1, n <= range.upperBound else {
                    throw ScheduleError(text, "\(name) field: step \"\(pieces[1])\" must be an integer from 1 to \(range.upperBound)")
                }
                step = n
            }
            let base = pieces[0]
            let lo: Int, hi: Int
            if base == "*" || base == "?" {
                lo = range.lowerBound; hi = range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                lo = try value(base[base.startIndex..<dash]); hi = try value(base[base.index(after: dash)...])
                guard lo <= hi else { throw ScheduleError(text, "\(name) field: range \(base) runs backwards") }
            } else {
                lo = try value(base)
                hi = pieces.count == 2 ? range.upperBound : lo
            }
            out.formUnion(stride(from: lo, through: hi, by: step))
        }
        return out
    }

    /// Whether the time `c` (calendar components in the schedule's zone) matches.
    func matches(_ c: DateComponents) -> Bool {
        guard let s = c.second, let mi = c.minute, let h = c.hour, let d = c.day, let mo = c.month, let wd = c.weekday else { return false }
        return seconds.contains(s) && minutes.contains(mi) && hours.contains(h) && months.contains(mo) && dayMatches(day: d, weekday: wd - 1)
    }

    func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (domRestricted, dowRestricted) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }

    /// The first fire time strictly after `date`, or nil when none comes within 5 years (e.g.
    /// `0 0 30 2 *`, February 30th).
    public func next(after date: Date, in timeZone: TimeZone = .gmt) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        var t = cal.date(bySetting: .nanosecond, value: 0, of: date.addingTimeInterval(1)) ?? date.addingTimeInterval(1)
        t = Date(timeIntervalSince1970: t.timeIntervalSince1970.rounded(.down))
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        let units: Set<Calendar.Component> = [.year, .month, .day, .hour, .minute, .second, .weekday]
        while t < limit {
            let c = cal.dateComponents(units, from: t)
            guard let mo = c.month, let d = c.day, let wd = c.weekday, let h = c.hour, let mi = c.minute, let s = c.second else { return nil }
            if !months.contains(mo) {
                guard let start = cal.date(from: DateComponents(year: c.year, month: mo, day: 1)),
                      let next = cal.date(byAdding: .month, value: 1, to: start) else { return nil }
                t = next; continue
            }
            if !dayMatches(day: d, weekday: wd - 1) {
                guard let start = cal.date(from: DateComponents(year: c.year, month: mo, day: d)),
                      let next = cal.date(byAdding: .day, value: 1, to: start) else { return nil }
                t = next; continue
            }
            if !hours.contains(h) {
                t = cal.date(from: DateComponents(year: c.year, month: mo, day: d, hour: h)).map { $0.addingTimeInterval(3600) } ?? t.addingTimeInterval(3600)
                continue
            }
            if !minutes.contains(mi) {
                t = cal.date(from: DateComponents(year: c.year, month: mo, day: d, hour: h, minute: mi)).map { $0.addingTimeInterval(60) } ?? t.addingTimeInterval(60)
                continue
            }
            if !seconds.contains(s) { t = t.addingTimeInterval(1); continue }
            return t
        }
        return nil
    }
}
