/// One Redis reply (RESP2, and the RESP3 types a server may send anyway).
///
/// RESP3 aggregates are flattened to their RESP2 shape so callers see one model: a map becomes an
/// array of alternating keys and values, a set or push an array, a verbatim string a bulk string
/// (without its `txt:` prefix), a big number a simple string. Error replies are values, not thrown
/// errors, so one failed command of a pipeline does not hide the others' replies.
enum RedisValue: Sendable, Equatable {
    case simple(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisValue])
    case double(Double)
    case bool(Bool)

    /// The text of a simple or bulk string (or of a number), nil for anything else.
    var string: String? {
        switch self {
        case .simple(let s): return s
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        case .integer(let i): return String(i)
        case .double(let d): return String(d)
        default: return nil
        }
    }

    /// An integer reply, or a string reply holding an integer.
    var int: Int64? {
        switch self {
        case .integer(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e18: return Int64(d)
        case .simple, .bulk: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The elements of an array reply; nil for a null or any other reply.
    var array: [RedisValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var isNull: Bool { self == .null }

    /// The message of an error reply (`ERR …`, `NOSCRIPT …`), nil otherwise.
    var errorMessage: String? {
        if case .error(let e) = self { return e }
        return nil
    }
}
