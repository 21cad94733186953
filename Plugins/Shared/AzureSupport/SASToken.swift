import Foundation
import Crypto

/// Service Bus (and Event Hubs) shared access signatures (docs/servicebus-eventbus.md#sas-tokens):
///
/// ```
/// string-to-sign = formEncode(uri) + "\n" + expiry
/// sig            = base64(HMAC-SHA256(key: UTF-8 bytes of the key string as written, string-to-sign))
/// header         = SharedAccessSignature sr=<formEncode(uri)>&sig=<formEncode(sig)>&se=<expiry>&skn=<formEncode(keyName)>
/// ```
///
/// Unlike Cosmos DB's master key, the key is **not** base64-decoded: the HMAC key is the text of
/// `SharedAccessKey=` exactly as it appears in the connection string (the SDK's
/// `generate_sas_token` in `azure/servicebus/_pyamqp/utils.py` does the same).
public enum SASToken {
    /// Python's `urllib.parse.quote_plus`: letters, digits and `_.-~` are kept, a space becomes
    /// `+`, every other UTF-8 byte becomes `%XX` (upper-case hex).
    public static func formEncode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// `formEncode(uri) + "\n" + expiry`.
    public static func stringToSign(uri: String, expiry: Int64) -> String {
        formEncode(uri) + "\n" + String(expiry)
    }

    /// The base64 HMAC-SHA256 of the string-to-sign, keyed with the UTF-8 bytes of `key`.
    public static func signature(uri: String, key: Secret, expiry: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign(uri: uri, expiry: expiry).utf8),
                                                  using: SymmetricKey(data: Data(key.exposed.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The whole `Authorization` header value.
    /// - Parameters:
    ///   - uri: the resource the token is good for (a namespace or entity URI); the service
    ///     compares it with the request's address, so sign what you send to.
    ///   - expiry: seconds since 1970 after which the service refuses the token.
    public static func token(uri: String, keyName: String, key: Secret, expiry: Int64) -> String {
        "SharedAccessSignature sr=\(formEncode(uri))&sig=\(formEncode(signature(uri: uri, key: key, expiry: expiry)))"
            + "&se=\(expiry)&skn=\(formEncode(keyName))"
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
