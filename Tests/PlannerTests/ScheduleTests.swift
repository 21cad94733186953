import Foundation
import LightningPlanner
import LightningProtocol
import Testing

/// Cron expressions and ISO-8601 durations: parsing errors and next fire times.
@Suite struct ScheduleTests {
    static func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }
    static func iso(_ d: Date?, _ tz: TimeZone = .gmt) -> String? {
        guard let d else { return nil }
        let f = ISO8601DateFormatter()
        f.timeZone = tz
        return f.string(from: d)
    }

    @Test(arguments: [
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 4"),
        ("60 * * * *", "minute field: 60 is outside 0–59"),
        ("* 24 * * *", "hour field: 24 is outside 0–23"),
        ("* * 0 * *", "day-of-month field: 0 is outside 1–31"),
        ("* * * 13 *", "month field: 13 is outside 1–12"),
        ("* * * * 8", "day-of-week field: 8 is outside 0–7"),
        ("*/0 * * * *", "minute field: step \"0\" must be an integer from 1 to 59"),
        ("5-1 * * * *", "minute field: range 5-1 runs backwards"),
        ("* * * FOO *", "month field: \"FOO\" is not a number or a name (JAN–DEC)"),
        ("1,,2 * * * *", "minute field: empty item in \"1,,2\""),
    ])
    func badCronExpressionsSayWhatIsWrong(_ text: String, _ reason: String) {
        #expect(throws: ScheduleError(text, reason)) { try CronExpression(parsing: text) }
    }

    @Test func everyFiveMinutes() throws {
        let c = try CronExpression(parsing: "*/5 * * * *")
        #expect(Self.iso(c.next(after: Self.date("2026-12-06T10:02:30Z"))) == "2026-12-06T10:05:00Z")
        #expect(Self.iso(c.next(after: Self.date("2026-12-06T10:05:00Z"))) == "2026-12-06T10:10:00Z")
        #expect(Self.iso(c.next(after: Self.date("2026-12-31T23:58:00Z"))) == "2027-01-01T00:00:00Z")
    }

    @Test func weekdayMornings() throws {
        let c = try CronExpression(parsing: "0 9 * * MON-FRI")
        // 2026-12-05 is a Saturday.
        #expect(Self.iso(c.next(after: Self.date("2026-12-05T12:00:00Z"))) == "2026-12-07T09:00:00Z")
        #expect(Self.iso(c.next(after: Self.date("2026-12-07T09:00:00Z"))) == "2026-12-08T09:00:00Z")
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        // The 13th, or any Friday (cron's rule), at midnight.
        let c = try CronExpression(parsing: "0 0 13 * FRI")
        #expect(Self.iso(c.next(after: Self.date("2026-12-06T00:00:00Z"))) == "2026-12-11T00:00:00Z")
        #expect(Self.iso(c.next(after: Self.date("2026-12-11T00:00:00Z"))) == "2026-12-13T00:00:00Z")
    }

    @Test func aSecondsField() throws {
        let c = try CronExpression(parsing: "*/15 * * * * *")
        #expect(Self.iso(c.next(after: Self.date("2026-12-06T10:00:01Z"))) == "2026-12-06T10:00:15Z")
    }

    @Test func sundayIsZeroOrSeven() throws {
        let a = try CronExpression(parsing: "0 12 * * 0")
        let b = try CronExpression(parsing: "0 12 * * 7")
        let from = Self.date("2026-12-01T00:00:00Z")
        #expect(a.next(after: from) == b.next(after: from))
        #expect(Self.iso(a.next(after: from)) == "2026-12-06T12:00:00Z")
    }

    @Test func anImpossibleDateNeverFires() throws {
        let c = try CronExpression(parsing: "0 0 30 2 *")
        #expect(c.next(after: Self.date("2026-01-01T00:00:00Z")) == nil)
    }

    @Test func aTimeZoneShiftsTheFireAndFollowsDaylightSaving() throws {
        let oslo = TimeZone(identifier: "Europe/Oslo")!
        let c = try CronExpression(parsing: "30 2 * * *")
        // Winter: 02:30 in Oslo is 01:30 UTC.
        #expect(Self.iso(c.next(after: Self.date("2026-12-06T00:00:00Z"), in: oslo)) == "2026-12-06T01:30:00Z")
        // 2027-03-28: clocks jump from 02:00 to 03:00; 02:30 does not exist that day, so the next is the 29th.
        #expect(Self.iso(c.next(after: Self.date("2027-03-27T02:00:00Z"), in: oslo)) == "2027-03-29T00:30:00Z")
    }

    @Test(arguments: [
        ("1H", "an ISO-8601 duration starts with P (e.g. PT1H, P1D, PT30S)"),
        ("P", "nothing after P (e.g. PT1H)"),
        ("PT", "nothing after T (e.g. PT1H)"),
        ("P1H", "unknown unit \"H\" before T (Y, M, W, D; hours, minutes and seconds go after T)"),
        ("PT1D", "unknown unit \"D\" after T (H, M, S)"),
        ("PT1M1H", "\"H\" is out of order or repeated"),
        ("P1.5D", "only seconds may have a fraction (1.5D)"),
        ("PT0S", "a zero duration never advances; use at least PT1S"),
        ("PT5", "5 has no unit (Y, M, W, D, H, M or S)"),
    ])
    func badDurationsSayWhatIsWrong(_ text: String, _ reason: String) {
        #expect(throws: ScheduleError(text, reason)) { try ISODuration(parsing: text) }
    }

    @Test func durationsAdvanceByCalendarAndClock() throws {
        let from = Self.date("2026-01-31T10:00:00Z")
        #expect(Self.iso(try ISODuration(parsing: "PT1H30M").advance(from)) == "2026-01-31T11:30:00Z")
        #expect(Self.iso(try ISODuration(parsing: "P1M").advance(from)) == "2026-02-28T10:00:00Z")
        #expect(Self.iso(try ISODuration(parsing: "P1W").advance(from)) == "2026-02-07T10:00:00Z")
        #expect(try ISODuration(parsing: "PT0.5S").exactSeconds == 0.5)
        #expect(try ISODuration(parsing: "P1D").exactSeconds == nil)
    }
}

/// A schedule's decisions: fire on time, catch up after downtime once or not at all.
@Suite struct ScheduleDecisionTests {
    static func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    @Test func anIntervalFiresOnItsGridAndKeepsItsPhase() throws {
        var s = try #require(try Schedule(plan: "p", event: PlanEvent(name: "tick", kind: .interval, schedule: "PT10S"), now: Self.date("2026-12-06T10:00:00Z")))
        #expect(s.nextFireAt == Timestamp(Self.date("2026-12-06T10:00:10Z")))
        #expect(try s.due(at: Self.date("2026-12-06T10:00:09Z")) == .wait)
        #expect(try s.due(at: Self.date("2026-12-06T10:00:11Z")) == .fire(scheduledAt: Self.date("2026-12-06T10:00:10Z"), late: false))
        #expect(s.nextFireAt == Timestamp(Self.date("2026-12-06T10:00:20Z")))
        #expect(s.fired == 1)
    }

    /// A scheduler a few seconds slow (a loaded machine) fires every grid time it passed, one
    /// by one, instead of folding them into one fire: a cron of every second fires once a second.
    @Test func aSlowSchedulerCatchesUpFireByFireWithinTheTolerance() throws {
        var s = try #require(try Schedule(plan: "p", event: PlanEvent(name: "tick", kind: .cron, schedule: "* * * * * *"), now: Self.date("2026-12-06T10:00:00Z")))
        let fires = try s.dueFires(at: Self.date("2026-12-06T10:00:03Z"))
        #expect(fires == ["10:00:01", "10:00:02", "10:00:03"].map { .fire(scheduledAt: Self.date("2026-12-06T\($0)Z"), late: false) })
        #expect(s.nextFireAt == Timestamp(Self.date("2026-12-06T10:00:04Z")))
        #expect(s.fired == 3)
        #expect(try s.dueFires(at: Self.date("2026-12-06T10:00:03Z")) == [])
    }

    @Test func missedFiresRunOnceByDefault() throws {
        var s = try #require(try Schedule(plan: "p", event: PlanEvent(name: "tick", kind: .interval, schedule: "PT1M"), now: Self.date("2026-12-06T10:00:00Z")))
        // Down for an hour: one late fire, then the grid goes on after now.
        #expect(try s.due(at: Self.date("2026-12-06T11:00:30Z")) == .fire(scheduledAt: Self.date("2026-12-06T10:01:00Z"), late: true))
        #expect(s.nextFireAt == Timestamp(Self.date("2026-12-06T11:01:00Z")))
        #expect(try s.due(at: Self.date("2026-12-06T11:00:40Z")) == .wait)
    }

    @Test func missedFiresAreSkippedWhenAsked() throws {
        var s = try #require(try Schedule(plan: "p", event: PlanEvent(name: "nine", kind: .cron, schedule: "0 9 * * *", misfire: .skip),
                                          now: Self.date("2026-12-06T08:00:00Z")))
        #expect(try s.due(at: Self.date("2026-12-07T12:00:00Z")) == .skip(scheduledAt: Self.date("2026-12-06T09:00:00Z")))
        #expect(s.nextFireAt == Timestamp(Self.date("2026-12-08T09:00:00Z")))
        #expect(s.skipped == 1 && s.fired == 0)
    }

    @Test func onlyTimeEventsHaveSchedules() throws {
        #expect(try Schedule(plan: "p", event: PlanEvent(name: "hook", kind: .webhook), now: Date()) == nil)
        #expect(try Schedule(plan: "p", event: PlanEvent(name: "inner"), now: Date()) == nil)
    }
}
