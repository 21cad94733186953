public import Foundation

/// Tools some suites need that a fresh machine may not have: `redis-server`, Microsoft's Azure
/// SDKs for Python (the signature oracles), pm4py (the soundness oracle), podman (`PodmanService`), a PostgreSQL
/// server (`PostgresTestServer`).
///
/// On a developer's machine without one, the tests that need it are skipped and say why and how
/// to install it, so `swift test` passes as the README says. Where `CI` is set (or
/// `LT_REQUIRE_TOOLS=1`), a missing tool fails those tests instead: `.ci/run` installs them all,
/// and a skip there would hide a missing install step.
public enum ExternalTool {
    /// A missing tool fails the tests that need it.
    public static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return !(env["CI"] ?? "").isEmpty || env["LT_REQUIRE_TOOLS"] == "1"
    }

    /// Whether tests that need a tool run: it is there, or it is required (then they fail loudly).
    public static func shouldRun(_ available: Bool) -> Bool { available || required }

    /// Whether `python3` finds every module in `modules`. The modules are located, not imported:
    /// importing pm4py or the Azure SDKs takes seconds, and this runs while the suite's other
    /// tests wait for the thread it holds.
    public static func pythonHas(_ modules: [String]) -> Bool {
        let list = modules.map { "'\($0)'" }.joined(separator: ", ")
        let script = "import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in [\(list)]) else 1)"
        guard let p = try? TestProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script]) else {
            return false
        }
        return p.waitBlockingForTests() == 0
    }

    /// `redis-server` can be found (`$REDIS_SERVER`, PATH, /usr/bin, /usr/local/bin).
    public static var hasRedis: Bool { (try? RedisServer.executable()) != nil }

    /// A PostgreSQL server to test against: `LT_POSTGRES_URL` is set (`PostgresTestServer`).
    public static var hasPostgres: Bool { PostgresTestServer.available }

    public static let hasAzureSDKs = pythonHas(["azure.cosmos", "azure.servicebus", "azure.identity", "azure.mgmt.containerinstance"])
    public static let hasPM4Py = pythonHas(["pm4py"])
    public static let hasSchemathesis = pythonHas(["schemathesis"])
}
