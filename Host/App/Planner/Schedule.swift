public import Foundation
public import LightningProtocol

/// One schedule: a `time.cron` or `time.interval` event of a saved plan, with its next fire time
/// (docs/planner.md#schedules). Decisions are pure (`due(at:)`); the scheduler stores schedules
/// and starts the runs.
public struct Schedule: Sendable, Equatable, Codable {
    public var id: String
    public var plan: String
    public var event: String
    public var kind: PlanEvent.Kind
    public var expression: String
    public var timezone: String?
    public var misfire: PlanEvent.Misfire
    public var nextFireAt: Timestamp?
    public var lastFiredAt: Timestamp?
    public var fired: Int = 0
    public var skipped: Int = 0

    enum CodingKeys: String, CodingKey {
        case id, plan, event, kind, expression, timezone, misfire, fired, skipped
        case nextFireAt = "next_fire_at", lastFiredAt = "last_fired_at"
    }

    /// A fire later than this after its time is a misfire (the daemon was down or stalled).
    public static let tolerance: TimeInterval = 5

    /// The schedule of a plan's time event, its first fire computed from `now`; nil for other events.
    /// - Throws: `ScheduleError` for an expression that does not parse (validation refuses those first).
    public init?(plan: String, event: PlanEvent, now: Date) throws {
        guard let kind = event.kind, kind == .cron || kind == .interval, let expression = event.schedule else { return nil }
        id = "\(plan).\(event.name)"
        self.plan = plan; self.event = event.name; self.kind = kind; self.expression = expression
        timezone = event.timezone; misfire = event.misfire ?? .runOnce
        nextFireAt = try next(after: now).map(Timestamp.init)
    }

    /// Whether `other` (a plan's newer version of this schedule) fires differently.
    public func sameTiming(as other: Schedule) -> Bool {
        kind == other.kind && expression == other.expression && timezone == other.timezone && misfire == other.misfire
    }

    /// The fire time after `date`.
    public func next(after date: Date) throws -> Date? {
        switch kind {
        case .cron:
            let tz = timezone.flatMap(TimeZone.init(identifier:)) ?? .gmt
            return try CronExpression(parsing: expression).next(after: date, in: tz)
        default:
            return try ISODuration(parsing: expression).advance(date)
        }
    }

    /// What to do at `now`.
    public enum Decision: Sendable, Equatable {
        case wait
        /// Start a run for the fire planned at `scheduledAt` (`late`: after downtime, by `run_once`).
        case fire(scheduledAt: Date, late: Bool)
        /// Fires missed while the daemon was down, skipped by `misfire: skip`.
        case skip(scheduledAt: Date)
    }

    /// Decides at `now` and moves `nextFireAt` on when something was due. A fire within
    /// `tolerance` of its time moves to the next fire on the grid (which may be due too: a
    /// scheduler that was a few seconds slow catches up fire by fire, see `dueFires`). Missed
    /// fires (later than `tolerance`) count as one: `run_once` runs it once, `skip` skips it;
    /// the next fire is then the first after `now`.
    public mutating func due(at now: Date) throws -> Decision {
        guard let at = nextFireAt?.date, at <= now else { return .wait }
        let late = now.timeIntervalSince(at) > Self.tolerance
        // Interval schedules keep their phase: the next fire on the same grid.
        var next = try self.next(after: at)
        while late, let n = next, n <= now { next = try self.next(after: n) }
        nextFireAt = next.map(Timestamp.init)
        if late && misfire == .skip {
            skipped += 1
            return .skip(scheduledAt: at)
        }
        fired += 1
        lastFiredAt = Timestamp(now)
        return .fire(scheduledAt: at, late: late)
    }

    /// Every decision due at `now` (`due` until it says wait), in order: one fire per grid
    /// time within `tolerance`, at most one for what was missed before. At most 1000.
    public mutating func dueFires(at now: Date) throws -> [Decision] {
        var out: [Decision] = []
        while out.count < 1000 {
            let d = try due(at: now)
            if d == .wait { break }
            out.append(d)
        }
        return out
    }
}
