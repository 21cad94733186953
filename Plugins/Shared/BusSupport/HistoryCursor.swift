public import Foundation
public import LightningProtocol

/// The continuation token of `bus.history` (docs/events.md#history-paging): opaque to clients,
/// a position in the bus's journal order to the bus (local: the event's `seq`; Redis: the stream
/// entry id). A page holds the events strictly older than the position, newest first, so a client
/// that pages to the end sees every event that was in the journal when it started exactly once,
/// whatever is published meanwhile.
public enum HistoryCursor {
    /// `kind` names the bus's position format (`l` local, `r` Redis), so a token from another bus
    /// is refused instead of misread.
    public static func encode(kind: String, position: String) -> String {
        Data("\(kind)1:\(position)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The position in `token`, or nil when there is no token.
    /// - Throws: `WireError(.invalidArgument)` naming the field when the token is not one this
    ///   kind of bus gave.
    public static func decode(_ token: String?, kind: String) throws -> String? {
        guard let token else { return nil }
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8), text.hasPrefix("\(kind)1:"),
              text.count > kind.count + 2 else {
            throw WireError(.invalidArgument, "field \"continuation\": expected the token of an earlier page of this bus's history, got \"\(token.prefix(80))\"")
        }
        return String(text.dropFirst(kind.count + 2))
    }
}
