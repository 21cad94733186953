import Foundation
public import HostCore
public import LightningProtocol
import Synchronization

/// What a rule's body works with: the instance under test and the failures recorded so far.
/// Failures are values (a message each), not thrown, so one run reports every broken
/// expectation of a rule; a thrown error ends the rule and is recorded as one more failure.
///
/// Threading: a rule may record from several tasks at once (its state is behind one `Mutex`).
public final class ConformanceCheck: Sendable {
    public let rule: ConformanceRule
    private let target: ConformanceTarget
    private let state: Mutex<(instances: [ConformanceInstance], failures: [String])>

    /// 8 lowercase letters and digits, fresh per rule run: rules that make things in a world other
    /// runs share (containers in one engine) put it in their names and labels.
    public let token: String

    init(rule: ConformanceRule, target: ConformanceTarget, instance: ConformanceInstance) {
        self.rule = rule; self.target = target
        state = Mutex(([instance], []))
        token = String(UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(8))
    }

    /// The fixture `key` of the target (`--fixture key=value`), or `fallback`.
    /// - Throws: ending the rule, when there is neither.
    public func fixture(_ key: String, default fallback: String? = nil) throws -> String {
        if let v = target.fixtures[key] ?? fallback { return v }
        throw Stop(message: "fixture \"\(key)\": required by \(rule.kind.rawValue) rules, got none (lightning plugins test --fixture \(key)=VALUE)")
    }

    /// The instance the rule is exercising (the latest one after `reopen`).
    public var instance: ConformanceInstance { state.withLock { $0.instances[$0.instances.count - 1] } }
    public var connection: any ProviderConnection { instance.connection }
    /// The capability patterns of a driver under test (`ConformanceTarget.capabilities`).
    public var capabilitiesUnderTest: [String] { target.capabilities }
    /// What went wrong, in order.
    public var failures: [String] { state.withLock { $0.failures } }
    var allInstances: [ConformanceInstance] { state.withLock { $0.instances } }

    /// Records a failure.
    public func fail(_ message: String) { state.withLock { $0.failures.append(message) } }

    /// Records `what` as failed unless `condition` holds.
    public func expect(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition { fail(what()) }
    }

    /// Records a failure unless `actual == expected`, showing both.
    public func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: @autoclosure () -> String) {
        if actual != expected { fail("\(what()): expected \(Self.show(expected)), got \(Self.show(actual))") }
    }

    /// `value`, or a thrown failure (ending the rule) when it is nil.
    public func require<T>(_ value: T?, _ what: @autoclosure () -> String) throws -> T {
        guard let value else { throw Stop(message: "\(what()): expected a value, got none") }
        return value
    }

    /// Closes the instance and opens another one on the same data: a daemon restart.
    public func reopen() async throws -> ConformanceInstance {
        let old = instance
        await old.connection.close()
        let new = try await target.reopen(old)
        state.withLock { $0.instances.append(new) }
        return new
    }

    // MARK: Calls

    /// Calls `method` and decodes its result.
    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as: R.Type = R.self) async throws -> R {
        try await connection.call(method, params, as: R.self)
    }

    /// Calls `method` with literal JSON params and returns the literal JSON result, to check
    /// wire shapes exactly (`{"created": true}` and nothing else).
    public func raw(_ method: String, _ json: String) async throws -> JSONValue {
        try Wire.decode(JSONValue.self, from: try await connection.call(method, Data(json.utf8)), what: "result of \(method)")
    }

    /// Calls `method` expecting it to fail with `code`; records a failure otherwise.
    /// - Returns: the error's message (nil when it did not fail as expected).
    @discardableResult
    public func expectError<P: Encodable>(_ method: String, _ params: P, _ code: WireError.Code,
                                          _ what: @autoclosure () -> String = "") async -> String? {
        let label = what().isEmpty ? method : "\(method) (\(what()))"
        do {
            _ = try await connection.call(method, try Wire.encode(params))
            fail("\(label): expected error \(code.rawValue), got success")
            return nil
        } catch let e as WireError {
            if e.code != code { fail("\(label): expected error \(code.rawValue), got \(e.code.rawValue): \(e.message)") }
            return e.message
        } catch {
            fail("\(label): expected error \(code.rawValue), got \(error)")
            return nil
        }
    }

    /// A failure that ends the rule (from `require`).
    struct Stop: Error, CustomStringConvertible { let message: String; var description: String { message } }

    static func show<T>(_ v: T) -> String {
        if let s = v as? String { return JSONValue.string(s).description }
        if let a = v as? [String] { return "[" + a.map { JSONValue.string($0).description }.joined(separator: ", ") + "]" }
        return "\(v)"
    }
}
