/// One thing wrong with a plan: where (a JSON path such as `steps[1].on[0]`), which rule, and
/// what was expected against what was found. Validation reports every problem at once.
public struct PlanProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Stable rule names (docs/planner.md lists each with an example).
    public enum Rule: String, Sendable, Codable, CaseIterable {
        case invalidJSON = "invalid_json"
        case unknownField = "unknown_field"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        case invalidValue = "invalid_value"
        case duplicateName = "duplicate_name"
        case externalEvent = "external_event"
        case internalEvent = "internal_event"
        case badSchedule = "bad_schedule"
        case unknownEvent = "unknown_event"
        case unknownAction = "unknown_action"
        case missingArgument = "missing_argument"
        case badGuard = "bad_guard"
        case badTemplate = "bad_template"
        case cycle
        case notWorkflowNet = "not_workflow_net"
        case unsound
    }

    public var path: String
    public var rule: Rule
    public var message: String

    public init(_ path: String, _ rule: Rule, _ message: String) { self.path = path; self.rule = rule; self.message = message }

    public var description: String { "\(path): \(message) [\(rule.rawValue)]" }
}
