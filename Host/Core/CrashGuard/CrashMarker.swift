/// One in-flight marker found in the slot file at start: the daemon died while this work was
/// inside in-process plugin code (`InFlightSlots`).
public struct CrashMarker: Sendable, Hashable, Codable {
    public enum Kind: UInt32, Sendable, Codable {
        /// A `driver.handle` call on an in-process driver: `subject` is the event id.
        case delivery = 1
        /// Loading a library and creating its instance (dlopen, ELF constructors, `lt_plugin_entry`,
        /// `create`): `subject` is empty.
        case loading = 2
    }
    public var kind: Kind
    /// The manifest id of the plugin.
    public var plugin: String
    /// The sha256 the manifest pins for the plugin's library ("" when unknown).
    public var sha256: String
    /// The event id for a delivery.
    public var subject: String

    public init(kind: Kind, plugin: String, sha256: String, subject: String) {
        self.kind = kind; self.plugin = plugin; self.sha256 = sha256.lowercased(); self.subject = subject
    }
}
