/// One rule of a provider contract, as the conformance kit checks it: what it promises, the
/// documentation section that states it, and a body that exercises a fresh instance.
///
/// ```
/// ConformanceRunner ──▶ for each rule: target.open() ──▶ rule.body(check) ──▶ check.failures
///                                        (a fresh store)   (calls through the   (each names the
///                                                           real ProviderConnection)  rule and section)
/// ```
///
/// Rules assert the contract (docs/plugin-abi.md, docs/events.md), never one provider's quirks:
/// a provider that keeps the documented contract passes every rule of its kind.
public struct ConformanceRule: Sendable, CustomStringConvertible {
    /// The provider kind whose contract the rule belongs to.
    public enum Kind: String, Sendable, CaseIterable {
        case storage, eventbus, driver, functions, containers
    }

    /// A stable dotted id, e.g. `storage.etag.format`.
    public let id: String
    public let kind: Kind
    /// The documentation section the rule states, e.g. `docs/plugin-abi.md#storage-etags-and-if_match`.
    public let section: String
    /// One line: what a provider must do.
    public let summary: String
    /// Exercises `check.instance` and records failures through `check`; throwing also fails the rule.
    public let body: @Sendable (ConformanceCheck) async throws -> Void

    public init(_ id: String, _ kind: Kind, section: String, _ summary: String,
                body: @escaping @Sendable (ConformanceCheck) async throws -> Void) {
        self.id = id; self.kind = kind; self.section = section; self.summary = summary; self.body = body
    }

    public var description: String { id }

    /// Every rule of `kind`.
    public static func all(_ kind: Kind) -> [ConformanceRule] {
        switch kind {
        case .storage: return StorageRules.all
        case .driver: return DriverRules.all
        case .eventbus: return EventBusRules.all
        case .functions: return FunctionsRules.all
        case .containers: return ContainersRules.all
        }
    }
}
