import Crypto
import Foundation
import LightningProtocol

/// How contract names and patterns become Service Bus names and SQL rules.
enum ServiceBusNames {
    /// The Service Bus subscription for a contract subscription. Service Bus allows 1 to 50
    /// letters, digits, `.`, `-`, `_`; a name that fits is used as is, any other (such as
    /// `driver:echo-driver`) becomes its allowed characters (at most 30) + `-` + 16 hex digits of
    /// its SHA-256, so two contract names never share a Service Bus subscription. The contract
    /// name itself is kept in the subscription's UserMetadata.
    static func subscription(_ name: String) -> String {
        if ServiceBusConfig.isEntityName(name, max: 50), !name.hasPrefix("$") { return name }
        let kept = String(name.unicodeScalars.filter { s in
            s.isASCII && (CharacterSet.alphanumerics.contains(s) || s == "." || s == "-" || s == "_")
        }.prefix(30).map(Character.init))
        let digest = SHA256.hash(data: Data(name.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return (kept.isEmpty ? "s" : kept) + "-" + digest
    }

    /// A SQL string literal: single quotes doubled.
    static func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The SQL filter of one subscription's rule:
    /// `(lt_target IS NULL AND (<patterns>)) OR lt_target = '<sb name>'`, where `*` is `1=1`, a
    /// type is `sys.Label = 'a.b'` and `a.*` is `sys.Label LIKE 'a._%' ESCAPE '!'` (at least one
    /// more character after the dot, as the contract wants). `lt_target` is set only on messages
    /// re-sent by `bus.deadletters.reprocess`, which are meant for one subscription.
    /// The filter part of a subscription (sources, user ids, data, metadata) is not expressed
    /// here: it is applied when receiving.
    static func sqlFilter(patterns: [String], subscription sbName: String) -> String {
        let parts = patterns.map { p -> String in
            if p == "*" { return "1=1" }
            if p.hasSuffix(".*") {
                let prefix = String(p.dropLast(1)).replacingOccurrences(of: "!", with: "!!").replacingOccurrences(of: "_", with: "!_")
                    .replacingOccurrences(of: "%", with: "!%")
                return "sys.Label LIKE \(literal(prefix + "_%")) ESCAPE '!'"
            }
            return "sys.Label = \(literal(p))"
        }
        return "(lt_target IS NULL AND (\(parts.joined(separator: " OR ")))) OR lt_target = \(literal(sbName))"
    }
}
