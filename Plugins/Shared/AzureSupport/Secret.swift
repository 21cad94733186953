/// A credential (account key, SAS key, client secret, function key). It prints as `***` in
/// logs, errors and `describing:` so that no code path can leak it by interpolation; read
/// `exposed` only where the bytes are needed (signing, a header).
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    public let exposed: String
    public init(_ value: String) { exposed = value }
    public var description: String { "***" }
    public var debugDescription: String { "***" }
}
