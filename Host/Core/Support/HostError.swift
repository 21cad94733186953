public import LightningProtocol

/// An error raised by the host itself. Every message names its subject first (a file, a plugin,
/// a process), then the field or step, what was expected, and what was found.
///
/// `code` is a struct over a private enum so that new codes can be added without breaking users.
public struct HostError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Storage: String, Hashable, Sendable {
            case manifestInvalid = "manifest_invalid"
            case libraryMissing = "library_missing"
            case checksumMismatch = "checksum_mismatch"
            case abiMismatch = "abi_mismatch"
            case entryMissing = "entry_missing"
            case loadFailed = "load_failed"
            case configInvalid = "config_invalid"
            case providerUnavailable = "provider_unavailable"
            case notFound = "not_found"
            case signatureRefused = "signature_refused"
        }
        private let storage: Storage
        private init(_ s: Storage) { storage = s }
        public var description: String { storage.rawValue }

        public static let manifestInvalid = Code(.manifestInvalid)
        public static let libraryMissing = Code(.libraryMissing)
        public static let checksumMismatch = Code(.checksumMismatch)
        public static let abiMismatch = Code(.abiMismatch)
        public static let entryMissing = Code(.entryMissing)
        public static let loadFailed = Code(.loadFailed)
        public static let configInvalid = Code(.configInvalid)
        public static let providerUnavailable = Code(.providerUnavailable)
        public static let notFound = Code(.notFound)
        /// A plugin's signature is missing, bad or by an untrusted key under
        /// `plugins.require_signature`, or a signature or key file is malformed.
        public static let signatureRefused = Code(.signatureRefused)
    }

    public let code: Code
    /// What the error is about: a manifest path, a plugin id, a provider kind.
    public let subject: String
    public let message: String

    public init(_ code: Code, subject: String, _ message: String) {
        self.code = code; self.subject = subject; self.message = message
    }

    public var description: String { "\(subject): \(message)" }

    /// The same error in wire form (for the API and the child protocol).
    public var wireError: WireError {
        let c: WireError.Code
        switch code {
        case .notFound: c = .notFound
        case .providerUnavailable: c = .unavailable
        default: c = .invalidArgument
        }
        return WireError(c, description)
    }
}
