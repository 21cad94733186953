public import Foundation

/// The PostgreSQL server the postgres-storage tests use: the one whose URL is in
/// `LT_POSTGRES_URL` (`.ci/run` starts it with Tests/Fakes/postgres-setup.sh; do the same
/// locally). Each store a test opens gets its own schema, so tests never see each other's
/// containers and may run in parallel on one database.
///
/// Without the variable the tests that need it are skipped, saying why; where `CI` is set (or
/// `LT_REQUIRE_TOOLS=1`) they run and fail with `missing` instead (`ExternalTool`).
public enum PostgresTestServer {
    /// `LT_POSTGRES_URL`, when set and not empty.
    public static var url: String? {
        let url = ProcessInfo.processInfo.environment["LT_POSTGRES_URL"] ?? ""
        return url.isEmpty ? nil : url
    }

    public static var available: Bool { url != nil }

    public static let missing = "LT_POSTGRES_URL is not set: start a throwaway server with "
        + "`export LT_POSTGRES_URL=$(bash Tests/Fakes/postgres-setup.sh)` (it installs Debian's postgresql if missing)"

    /// The URL, or a `TestFailure` saying how to get one.
    public static func requireURL() throws -> String {
        guard let url else { throw TestFailure(missing) }
        return url
    }

    /// A schema name for a store whose data directory (or any unique string) is `seed`:
    /// `t_` and the seed's letters and digits, lowercased (PostgreSQL identifiers).
    public static func schema(for seed: String) -> String {
        let cleaned = seed.lowercased().unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "_" }
        return "t_" + String(String(cleaned).suffix(40))
    }
}
