import Foundation
import HostCore
import LightningProtocol

/// The driver contract (docs/plugin-abi.md#driver): what the router relies on.
public enum DriverRules {
    static let section = "docs/plugin-abi.md#driverhandle"

    public static var all: [ConformanceRule] { [handleShape, concurrent, unknownMethod, health] }

    /// An event of a type the driver's capabilities match (`conformance.probe` for `*`).
    static func probe(_ capabilities: [String], n: Int = 0) -> Event {
        let pattern = capabilities.first { $0 != "*" } ?? "conformance.probe"
        let type = pattern.hasSuffix(".*") ? String(pattern.dropLast(2)) + ".conformance" : pattern
        return Event(id: "conformance-\(n)", type: type, source: "conformance", data: ["n": .int(n)])
    }

    static let handleShape = ConformanceRule("driver.handle", .driver, section: section,
        "driver.handle answers {\"events\": [Event, …]} (possibly empty) or an error with a code and a message") { s in
        let event = probe(s.capabilitiesUnderTest)
        do {
            let out = try await s.connection.call(Method.handle, try Wire.encode(HandleRequest(event: event)))
            let json = try Wire.decode(JSONValue.self, from: out, what: "result of driver.handle")
            guard let events = json["events"]?.arrayValue else {
                return s.fail("driver.handle: expected {\"events\": [Event, …]}, got \(json)")
            }
            for (i, e) in events.enumerated() {
                do { _ = try Wire.decode(Event.self, from: try Wire.encode(e), what: "events[\(i)]") } catch {
                    s.fail("driver.handle: events[\(i)] is not an event: \(error)")
                }
            }
        } catch let e as WireError {
            s.expect(!e.message.isEmpty, "driver.handle failed with \(e.code.rawValue) and an empty message")
        }
    }

    static let concurrent = ConformanceRule("driver.concurrent", .driver, section: "docs/plugin-abi.md#asynchronous-completion",
        "32 concurrent driver.handle calls all complete, each exactly once") { s in
        let caps = s.capabilitiesUnderTest
        let done = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in 0..<32 {
                group.addTask {
                    do { _ = try await s.connection.call(Method.handle, try Wire.encode(HandleRequest(event: probe(caps, n: n)))); return true }
                    catch is WireError { return true }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        s.expectEqual(done, 32, "completed calls")
    }

    static let unknownMethod = ConformanceRule("driver.unknown-method", .driver, section: "docs/plugin-abi.md#method-sets",
        "a method the plugin does not know is unsupported") { s in
        await s.expectError("conformance.no-such-method", Empty(), .unsupported)
    }

    static let health = ConformanceRule("driver.health", .driver, section: "docs/plugin-abi.md#health",
        "health answers a report with a status and a latency") { s in
        let report = try await s.call(Method.health, Empty(), as: HealthReport.self)
        s.expect(report.latencyMs >= 0, "latency_ms: expected ≥ 0, got \(report.latencyMs)")
    }
}
