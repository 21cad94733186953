import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a client subcommand finds its API token, first match wins (docs/security.md):
/// 1. `LIGHTNING_TOKEN` (the secret itself);
/// 2. `--token-file FILE`, else `LIGHTNING_TOKEN_FILE`;
/// 3. `<data dir>/admin.token`, the data dir being `LIGHTNING_DATA_DIR` or `.lightning` (the
///    daemon's default), when that file exists.
/// Otherwise no token is sent (a daemon with `auth: false` needs none).
/// A token file must not be readable by group or others (mode 0600), as ssh requires of keys.
struct ClientToken: Sendable {
    var tokenFile: String?
    var environment: [String: String]

    /// What was found and where, for error messages.
    struct Found: Sendable { var secret: String; var source: String }

    /// - Throws: `ClientFailure` for an unreadable file, one open to others, or an empty one.
    func resolve() throws -> Found? {
        if let t = environment["LIGHTNING_TOKEN"], !t.isEmpty { return Found(secret: t, source: "LIGHTNING_TOKEN") }
        if let f = tokenFile ?? environment["LIGHTNING_TOKEN_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return try read(f, source: tokenFile != nil ? "--token-file \(f)" : "LIGHTNING_TOKEN_FILE \(f)")
        }
        let dataDir = environment["LIGHTNING_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".lightning"
        let admin = URL(fileURLWithPath: dataDir).appendingPathComponent("admin.token").path
        guard FileManager.default.fileExists(atPath: admin) else { return nil }
        return try read(admin, source: admin)
    }

    /// Where the CLI looked, for a 401 without a token.
    var searched: String {
        let dataDir = environment["LIGHTNING_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".lightning"
        return "LIGHTNING_TOKEN, --token-file, LIGHTNING_TOKEN_FILE, \(dataDir)/admin.token"
    }

    private func read(_ path: String, source: String) throws -> Found {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ClientFailure(description: "token file \(path) (from \(source)): stat: \(String(cString: strerror(errno)))")
        }
        let mode = st.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw ClientFailure(description: "token file \(path) (from \(source)): expected mode 0600 (owner only), got 0\(String(mode, radix: 8)); run `chmod 600 \(path)`")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ClientFailure(description: "token file \(path) (from \(source)): cannot read: \(error.localizedDescription)")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw ClientFailure(description: "token file \(path) (from \(source)): expected a token, got an empty file") }
        return Found(secret: secret, source: source)
    }
}
