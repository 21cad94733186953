public import LightningProtocol

/// What the rule needs of one node of the tree.
public struct ContextACLNode: Sendable, Equatable {
    public var owner: String
    public var acl: [ContextACLEntry]
    public init(owner: String, acl: [ContextACLEntry]) { self.owner = owner; self.acl = acl }
}

/// Who asks.
public struct ContextCaller: Sendable, Equatable {
    public var principal: String
    public var isAdmin: Bool
    public init(principal: String, isAdmin: Bool = false) { self.principal = principal; self.isAdmin = isAdmin }
}

/// Who may read or write a document of the Context Hub: a pure rule over the document's
/// chain of folders (docs/context-hub.md#access).
///
/// ```
///   document ─▶ folder ─▶ … ─▶ top folder        (chain, nearest first)
///      acl        acl             acl             each {principal, read | write}
/// ```
///
/// - The tree's owner may do everything.
/// - An admin (a token with the `admin` scope, or the daemon itself) may do everything.
/// - Anyone else needs an entry naming them (or `*`, everyone) on the node or on any folder above
///   it: entries are inherited down the tree and only ever add rights. `write` includes `read`.
public enum ContextACL {
    /// True when `caller` has `access` to the node whose chain (the node first, then each folder
    /// above it) is `chain`. An empty chain is the owner's root: only its owner (and admins).
    public static func allows(_ caller: ContextCaller, _ access: ContextAccess, chain: [ContextACLNode], rootOwner: String) -> Bool {
        if caller.isAdmin || caller.principal == rootOwner { return true }
        for node in chain {
            if node.owner == caller.principal { return true }
            for e in node.acl where (e.principal == caller.principal || e.principal == ContextACLEntry.everyone) && e.access >= access {
                return true
            }
        }
        return false
    }

    /// The strongest access `caller` has (nil for none).
    public static func effective(_ caller: ContextCaller, chain: [ContextACLNode], rootOwner: String) -> ContextAccess? {
        if allows(caller, .write, chain: chain, rootOwner: rootOwner) { return .write }
        if allows(caller, .read, chain: chain, rootOwner: rootOwner) { return .read }
        return nil
    }
}
