public import LightningProtocol

/// A task: a piece of work for a person or an agent (docs/planner.md#tasks), created over the
/// API, by a plan step (`action: task.create`) or by an instruction (`create_task`).
///
/// The rules live here, without I/O: which status changes are allowed (`Status.allows`), and what
/// a create or update body may hold (`TaskItem.Draft.parse`, every problem at once). The daemon
/// stores tasks through the storage provider and publishes `task.*` events around them.
public struct TaskItem: Codable, Sendable, Equatable {
    public enum Priority: String, Codable, Sendable, CaseIterable { case low, medium, high }

    /// ```
    ///   open ◀──────▶ in_progress
    ///    │  ▲  ╲        │
    ///    │  │   ╲       │
    ///    ▼  │    ▼      ▼
    ///  cancelled    done          (done and cancelled reopen to open; nothing else leaves them)
    /// ```
    public enum Status: String, Codable, Sendable, CaseIterable {
        case open
        case inProgress = "in_progress"
        case done, cancelled

        /// The statuses a task in `self` may move to (a change to the same status is no change).
        public var next: [Status] {
            switch self {
            case .open: return [.inProgress, .done, .cancelled]
            case .inProgress: return [.open, .done, .cancelled]
            case .done, .cancelled: return [.open]
            }
        }

        /// True when a task in `self` may move to `to` (staying is always allowed).
        public func allows(_ to: Status) -> Bool { to == self || next.contains(to) }

        /// Done and cancelled tasks are finished (they can only be reopened).
        public var isFinished: Bool { self == .done || self == .cancelled }
    }

    public enum Source: String, Codable, Sendable, CaseIterable {
        case api
        case planRun = "plan_run"
        case instruction
    }

    public var id: String
    public var title: String
    public var description: String?
    public var assignee: String?
    public var due: Timestamp?
    public var priority: Priority
    public var status: Status
    public var source: Source
    /// The run that created it (source `plan_run`) or the instruction (source `instruction`).
    public var runId: String?
    public var instruction: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, title: String, description: String? = nil, assignee: String? = nil, due: Timestamp? = nil,
                priority: Priority = .medium, status: Status = .open, source: Source = .api, runId: String? = nil,
                instruction: String? = nil, createdAt: Timestamp, updatedAt: Timestamp? = nil) {
        self.id = id; self.title = title; self.description = description; self.assignee = assignee; self.due = due
        self.priority = priority; self.status = status; self.source = source; self.runId = runId
        self.instruction = instruction; self.createdAt = createdAt; self.updatedAt = updatedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, title, description, assignee, due, priority, status, source, instruction
        case runId = "run_id", createdAt = "created_at", updatedAt = "updated_at"
    }

    /// The fields a client may set: all of them on create (`title` required), any of them on an
    /// update. `null` clears an optional field (`description`, `assignee`, `due`) on an update.
    public struct Draft: Sendable, Equatable {
        public var title: String?
        public var description: String??
        public var assignee: String??
        public var due: Timestamp??
        public var priority: Priority?
        public var status: Status?

        public init(title: String? = nil, description: String?? = nil, assignee: String?? = nil, due: Timestamp?? = nil,
                    priority: Priority? = nil, status: Status? = nil) {
            self.title = title; self.description = description; self.assignee = assignee; self.due = due
            self.priority = priority; self.status = status
        }

        static let fields = ["title", "description", "assignee", "due", "priority", "status"]

        /// Parses a create (`creating`: `title` required) or update body. Every problem is
        /// reported, each naming the field, what was expected and what was found.
        /// - Throws: `WireError(.invalidArgument)` with every problem, one per line.
        public static func parse(_ body: JSONValue, creating: Bool, what: String = "request body") throws -> Draft {
            guard let o = body.objectValue else {
                throw WireError(.invalidArgument, "\(what): expected an object with \(fields.joined(separator: ", ")), got \(body.typeDescription)")
            }
            var problems: [String] = []
            var d = Draft()
            for key in o.keys.sorted() where !fields.contains(key) {
                problems.append("field \"\(key)\": unknown (expected one of \(fields.joined(separator: ", ")))")
            }
            func text(_ key: String) -> String?? {
                guard let v = o[key] else { return .none }
                if v == .null { return .some(nil) }
                guard let s = v.stringValue else { problems.append("field \"\(key)\": expected a string, got \(v.typeDescription)"); return .none }
                return .some(s)
            }
            let titleGiven = o["title"] != nil
            if let t = text("title") {
                if let t { d.title = t } else { problems.append("field \"title\": expected a non-empty string") }
            }
            d.description = text("description")
            d.assignee = text("assignee")
            if let v = o["due"] {
                if v == .null { d.due = .some(nil) } else if let s = v.stringValue, let t = Timestamp(rfc3339: s) { d.due = .some(t) } else {
                    problems.append("field \"due\": expected an RFC 3339 time such as \"2026-12-24T17:00:00Z\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.typeDescription)")
                }
            }
            if let v = o["priority"] {
                if let s = v.stringValue, let p = Priority(rawValue: s) { d.priority = p } else {
                    problems.append("field \"priority\": expected \"low\", \"medium\" or \"high\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.typeDescription)")
                }
            }
            if let v = o["status"] {
                if let s = v.stringValue, let st = Status(rawValue: s) { d.status = st } else {
                    problems.append("field \"status\": expected \"open\", \"in_progress\", \"done\" or \"cancelled\", got \(v.stringValue.map { "\"\($0)\"" } ?? v.typeDescription)")
                }
            }
            problems += d.problems(creating: creating && !titleGiven)
            if !problems.isEmpty { throw WireError(.invalidArgument, "\(what): " + problems.joined(separator: "; ")) }
            return d
        }

        /// Checks a draft whose fields are already typed (the API's generated layer decodes
        /// them): `title` present when `creating`, not blank, and every text within its length.
        /// - Throws: `WireError(.invalidArgument)` with every problem, one per line.
        public func validated(creating: Bool, what: String = "request body") throws -> Draft {
            let problems = problems(creating: creating)
            if !problems.isEmpty { throw WireError(.invalidArgument, "\(what): " + problems.joined(separator: "; ")) }
            return self
        }

        /// What is wrong with the fields' values (`titleRequired`: a missing title is a problem).
        public func problems(creating titleRequired: Bool) -> [String] {
            var problems: [String] = []
            func length(_ key: String, _ value: String??, max: Int) {
                if case .some(.some(let s)) = value, s.count > max { problems.append("field \"\(key)\": expected at most \(max) characters, got \(s.count)") }
            }
            if let t = title {
                if t.trimmingCharactersInWhitespace().isEmpty { problems.append("field \"title\": expected a non-empty string") }
                length("title", .some(t), max: 500)
            } else if titleRequired {
                problems.append("field \"title\": required")
            }
            length("description", description, max: 20_000)
            length("assignee", assignee, max: 200)
            return problems
        }
    }

    /// A new task from a create draft (its `title` is present: `Draft.parse(creating: true)`).
    public init(id: String, draft d: Draft, source: Source, runId: String? = nil, instruction: String? = nil, now: Timestamp) {
        self.init(id: id, title: d.title ?? "", description: d.description ?? nil, assignee: d.assignee ?? nil, due: d.due ?? nil,
                  priority: d.priority ?? .medium, status: d.status ?? .open, source: source, runId: runId, instruction: instruction,
                  createdAt: now)
    }

    /// What an update did: the fields that changed, and the status change if any.
    public struct Change: Sendable, Equatable {
        public var fields: [String]
        public var status: (from: Status, to: Status)?
        public static func == (a: Change, b: Change) -> Bool {
            a.fields == b.fields && a.status?.from == b.status?.from && a.status?.to == b.status?.to
        }
    }

    /// Applies an update draft.
    /// - Returns: what changed (empty `fields` when nothing did).
    /// - Throws: `WireError(.conflict)` for a status change the rules do not allow, naming the
    ///   allowed ones.
    public mutating func apply(_ d: Draft, now: Timestamp) throws -> Change {
        if let to = d.status, !status.allows(to) {
            throw WireError(.conflict, "task \(id): cannot move from \(status.rawValue) to \(to.rawValue) (from \(status.rawValue): \(status.next.map(\.rawValue).joined(separator: ", ")))")
        }
        var fields: [String] = []
        var statusChange: (from: Status, to: Status)?
        if let t = d.title, t != title { title = t; fields.append("title") }
        if let v = d.description, v != description { description = v; fields.append("description") }
        if let v = d.assignee, v != assignee { assignee = v; fields.append("assignee") }
        if let v = d.due, v != due { due = v; fields.append("due") }
        if let v = d.priority, v != priority { priority = v; fields.append("priority") }
        if let v = d.status, v != status { statusChange = (from: status, to: v); status = v; fields.append("status") }
        if !fields.isEmpty { updatedAt = now }
        return Change(fields: fields, status: statusChange)
    }

    /// Task ids: `task_` and 1–64 of lowercase letters, digits, `-`, `_`.
    public static func checkId(_ id: String) throws {
        let rest = id.utf8.dropFirst(5)
        guard id.hasPrefix("task_"), (1...64).contains(rest.count),
              rest.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }) else {
            throw WireError(.invalidArgument, "task id \"\(id)\": expected \"task_\" followed by 1–64 lowercase letters, digits, '-' or '_'")
        }
    }
}

extension String {
    func trimmingCharactersInWhitespace() -> Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}
