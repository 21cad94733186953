public import Foundation
import LightningProtocol

/// A Service Bus connection string (`Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=…;SharedAccessKey=…`,
/// optionally `;EntityPath=…`), resolved to the HTTPS address its REST interface answers on.
///
/// `description` never shows the key.
public struct ServiceBusConnection: Sendable, CustomStringConvertible {
    /// Where requests go and what SAS tokens are signed for: `https://ns.servicebus.windows.net/`
    /// (always ending in `/`), or the override given to `init`.
    public let baseURL: URL
    public let keyName: String
    public let key: Secret
    public let entityPath: String?

    /// - Parameters:
    ///   - text: the connection string.
    ///   - endpointOverride: an `http(s)://host[:port]` address that replaces the connection
    ///     string's endpoint (for loopback tests and private endpoints).
    ///   - what: names the setting in errors (`config field "connection_string"`).
    /// - Throws: `WireError(.invalidArgument)` naming the missing or malformed part, never a value.
    public init(_ text: String, endpointOverride: String? = nil, what: String) throws {
        let cs = try ConnectionString(text, what: what)
        let endpoint = try cs.require("Endpoint", what: what)
        keyName = try cs.require("SharedAccessKeyName", what: what)
        key = Secret(try cs.require("SharedAccessKey", what: what))
        entityPath = cs["EntityPath"].flatMap { $0.isEmpty ? nil : $0 }
        if let o = endpointOverride {
            guard let u = URL(string: o), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = u.host, !host.isEmpty, u.query == nil else {
                throw WireError(.invalidArgument, "config field \"endpoint\": expected http(s)://host[:port][/], got \"\(o)\"")
            }
            baseURL = Self.withSlash(u)
        } else {
            guard let u = URL(string: endpoint), let scheme = u.scheme?.lowercased(), ["sb", "https", "http"].contains(scheme),
                  let host = u.host, !host.isEmpty else {
                throw WireError(.invalidArgument, "\(what): Endpoint= expected sb://<namespace>.servicebus.windows.net/, got \"\(endpoint)\"")
            }
            var c = URLComponents()
            c.scheme = scheme == "http" ? "http" : "https"
            c.host = host
            c.port = u.port
            c.path = "/"
            guard let url = c.url else { throw WireError(.invalidArgument, "\(what): Endpoint= is not a valid address") }
            baseURL = url
        }
    }

    private static func withSlash(_ u: URL) -> URL {
        u.absoluteString.hasSuffix("/") ? u : URL(string: u.absoluteString + "/") ?? u
    }

    public var description: String { "ServiceBusConnection(\(baseURL.absoluteString), key name \(keyName), key ***)" }
}
