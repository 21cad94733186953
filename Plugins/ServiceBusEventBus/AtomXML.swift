import Foundation

/// The few pieces of Service Bus's ATOM management format this plugin writes and reads.
enum AtomXML {
    static let connectNS = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
    static let instanceNS = "http://www.w3.org/2001/XMLSchema-instance"

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = s
        for (from, to) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&#39;", "'"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: from, with: to)
        }
        return out
    }

    static func entry(_ body: String) -> Data {
        Data(("<?xml version=\"1.0\" encoding=\"utf-8\"?><entry xmlns=\"http://www.w3.org/2005/Atom\"><content type=\"application/xml\">"
              + body + "</content></entry>").utf8)
    }

    static func topic(dedupWindowSeconds: Int) -> Data {
        let dedup = dedupWindowSeconds > 0
            ? "<RequiresDuplicateDetection>true</RequiresDuplicateDetection><DuplicateDetectionHistoryTimeWindow>PT\(min(max(20, dedupWindowSeconds), 7 * 24 * 3600))S</DuplicateDetectionHistoryTimeWindow>"
            : "<RequiresDuplicateDetection>false</RequiresDuplicateDetection>"
        return entry("<TopicDescription xmlns:i=\"\(instanceNS)\" xmlns=\"\(connectNS)\">\(dedup)<EnableBatchedOperations>true</EnableBatchedOperations></TopicDescription>")
    }

    static func rule(_ sql: String) -> String {
        "<Filter i:type=\"SqlFilter\"><SqlExpression>\(escape(sql))</SqlExpression></Filter><Action i:type=\"EmptyRuleAction\"/><Name>$Default</Name>"
    }

    static func subscription(lockSeconds: Int, maxDelivery: Int, sql: String, metadata: String) -> Data {
        entry("<SubscriptionDescription xmlns:i=\"\(instanceNS)\" xmlns=\"\(connectNS)\"><LockDuration>PT\(lockSeconds)S</LockDuration>"
              + "<RequiresSession>false</RequiresSession><DeadLetteringOnMessageExpiration>false</DeadLetteringOnMessageExpiration>"
              + "<DefaultRuleDescription>\(rule(sql))</DefaultRuleDescription><MaxDeliveryCount>\(maxDelivery)</MaxDeliveryCount>"
              + "<EnableBatchedOperations>true</EnableBatchedOperations><UserMetadata>\(escape(metadata))</UserMetadata></SubscriptionDescription>")
    }

    static func ruleEntry(_ sql: String) -> Data {
        entry("<RuleDescription xmlns:i=\"\(instanceNS)\" xmlns=\"\(connectNS)\">\(rule(sql))</RuleDescription>")
    }

    /// The text of the first `<name>` or `<prefix:name>` element in `xml`, unescaped.
    static func value(_ name: String, in xml: Substring) -> String? {
        guard let re = try? NSRegularExpression(pattern: "<(?:[A-Za-z0-9_]+:)?\\Q\(name)\\E(?:\\s[^>]*)?>([^<]*)</") else { return nil }
        let text = String(xml)
        guard let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let r = Range(m.range(at: 1), in: text) else { return nil }
        return unescape(String(text[r]))
    }

    /// The `<entry>` elements of a feed (or the one entry of a single-entity answer).
    static func entries(_ xml: String) -> [Substring] {
        var out: [Substring] = []
        var rest = xml[...]
        while let start = rest.range(of: "<entry"), let end = rest[start.upperBound...].range(of: "</entry>") {
            out.append(rest[start.lowerBound..<end.upperBound])
            rest = rest[end.upperBound...]
        }
        return out
    }
}
