public import Foundation
public import LightningProtocol

/// The daemon's API tokens, kept in `<data_dir>/tokens.json` (mode 0600, written atomically)
/// as SHA-256 hashes only. Thread-safe: every request authenticates through it.
///
/// ```
///  Authorization: Bearer lt_… ─▶ SHA-256 ─▶ byHash ─▶ APIToken (scopes, events, expiry)
///  POST /v1/tokens ─▶ generate ─▶ tokens + file ─▶ secret shown once
/// ```
public final class TokenStore: Sendable {
    public let file: URL
    private let tokens: Locked<[APIToken]>

    /// Why a presented secret was refused (the 401's message).
    public enum Refusal: Error, Equatable, Sendable {
        case unknown
        case expired(id: String, at: Timestamp)
    }

    /// Opens the store at `file`; an absent file is an empty store.
    /// - Throws: `HostError(.configInvalid)` when the file exists but cannot be read or parsed.
    public init(file: URL) throws {
        self.file = file
        var list: [APIToken] = []
        if FileManager.default.fileExists(atPath: file.path) {
            do {
                list = try Wire.decode([String: [APIToken]].self, from: Data(contentsOf: file), what: file.path)["tokens"] ?? []
            } catch {
                throw HostError(.configInvalid, subject: file.path, "expected {\"tokens\": [...]} as written by the daemon, got an unreadable file: \(error)")
            }
        }
        tokens = Locked(list)
    }

    /// True when the store's file exists (the first start has happened).
    public var exists: Bool { FileManager.default.fileExists(atPath: file.path) }

    public var all: [APIToken] { tokens.value.sorted { $0.createdAt.millis < $1.createdAt.millis || ($0.createdAt == $1.createdAt && $0.id < $1.id) } }

    /// The token whose secret is `secret`, if it is known and not expired.
    public func authenticate(_ secret: String, now: Timestamp = .now()) -> Result<APIToken, Refusal> {
        let digest = APIToken.digest(secret)
        guard let t = tokens.value.first(where: { $0.sha256 == digest }) else { return .failure(.unknown) }
        if t.isExpired(at: now), let at = t.expiresAt { return .failure(.expired(id: t.id, at: at)) }
        return .success(t)
    }

    /// Creates and stores a token; returns it with its secret (the only copy).
    /// - Throws: `WireError(.invalidArgument)` for no scopes, a bad event pattern or rate limit; `HostError` when the file cannot be written.
    public func create(name: String?, scopes: [Scope], events: [String]?, expiresAt: Timestamp?,
                       rateLimit: RateLimit? = nil) throws -> (token: APIToken, secret: String) {
        guard !scopes.isEmpty else { throw WireError(.invalidArgument, "field \"scopes\": expected at least one of read, events:write, admin, got none") }
        for (i, p) in (events ?? []).enumerated() where !EventPattern.isValidPattern(p) {
            throw WireError(.invalidArgument, "field \"events\"[\(i)]: expected \"*\", a type, or a type followed by \".*\", got \"\(p)\"")
        }
        if let e = expiresAt, e.millis <= Timestamp.now().millis {
            throw WireError(.invalidArgument, "field \"expires_at\": expected a time in the future, got \(e)")
        }
        let limit = try rateLimit?.validated()
        let made = APIToken.generate(name: name, scopes: Array(Set(scopes)), events: events, expiresAt: expiresAt, rateLimit: limit)
        try tokens.withLock { list in
            try save(list + [made.token])
            list.append(made.token)
        }
        return made
    }

    /// Removes the token `id`; false when there is none.
    public func revoke(_ id: String) throws -> Bool {
        try tokens.withLock { list in
            guard list.contains(where: { $0.id == id }) else { return false }
            let rest = list.filter { $0.id != id }
            try save(rest)
            list = rest
            return true
        }
    }

    /// On the first start (no store file yet): creates an `admin` token and writes its secret to
    /// `secretFile` (mode 0600) for the CLI and the operator. Later starts change nothing, even
    /// when `secretFile` was deleted (a revoked or removed admin token is not recreated).
    /// - Returns: the token created, or nil when the store existed.
    public func bootstrapAdmin(secretFile: URL) throws -> APIToken? {
        guard !exists else { return nil }
        let made = try create(name: "admin (created at first start)", scopes: [.admin], events: nil, expiresAt: nil)
        try SecretFile.write(Data((made.secret + "\n").utf8), to: secretFile)
        return made.token
    }

    private func save(_ list: [APIToken]) throws {
        try SecretFile.write(try Wire.encode(["tokens": list]), to: file)
    }
}
