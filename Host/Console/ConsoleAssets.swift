// The web console's files (docs/console.md): the HTML, CSS and JavaScript beside this file,
// embedded in the binary by the EmbedFiles build plugin (`EmbeddedFiles.all`), so the daemon
// stays one file.

/// The console's embedded files, each with its content type and a validator for caching.
public enum ConsoleAssets {
    /// One file as served.
    public struct Asset: Sendable {
        public let bytes: [UInt8]
        /// `text/html; charset=utf-8`, `text/javascript; charset=utf-8`, … (by extension).
        public let contentType: String
        /// A strong entity tag of the bytes (quoted, FNV-1a 64), for `ETag` / `If-None-Match`.
        public let etag: String
    }

    /// Every file, keyed by its path relative to `Host/Console` ("index.html", "app.js").
    public static let all: [String: Asset] = Dictionary(uniqueKeysWithValues: EmbeddedFiles.all.map { path, bytes in
        (path, Asset(bytes: bytes, contentType: contentType(path), etag: etag(bytes)))
    })

    /// The file at `path` ("app.js"), or nil when the console has no such file.
    public static func asset(_ path: String) -> Asset? { all[path] }

    /// The page every browser gets at `/`.
    public static var index: Asset? { all["index.html"] }

    static func contentType(_ path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) ?? "" {
        case "html": return "text/html; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt", "md": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }

    /// Only the console's own files run, and nothing frames it (HTML only).
    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    /// The headers of every answer with `asset` (200 or 304), in the order sent: its tag, revalidate
    /// (`no-cache`, so a new daemon's files are picked up at once), `Vary: Accept` (`GET /` answers
    /// JSON or the page), no sniffing, and the policy on HTML.
    public static func headers(for asset: Asset) -> [(String, String)] {
        var h = [("ETag", asset.etag), ("Cache-Control", "no-cache"), ("Vary", "Accept"), ("X-Content-Type-Options", "nosniff")]
        if asset.contentType.hasPrefix("text/html") { h.append(("Content-Security-Policy", contentSecurityPolicy)) }
        return h
    }

    /// True when `If-None-Match` names the asset's tag (or is `*`): answer 304.
    public static func notModified(_ asset: Asset, ifNoneMatch: String?) -> Bool {
        guard let tags = ifNoneMatch else { return false }
        return tags.split(separator: ",").contains { part in
            let t = part.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
            return String(t) == asset.etag || String(t) == "*"
        }
    }

    static func etag(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return "\"\(String(repeating: "0", count: 16 - hex.count))\(hex)-\(bytes.count)\""
    }
}
