import Foundation
@testable import HostCore
import LightningProtocol
import Testing

/// Answers whose fields grew with the code must have every field in the OpenAPI document: each
/// key the daemon encodes is a property of the schema that documents it.
@Suite struct OpenAPISchemaFieldsTests {
    func schema(_ name: String) throws -> [String: Any] {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        return try #require(schemas[name] as? [String: Any], "components.schemas.\(name) missing")
    }

    func properties(_ schema: [String: Any]) -> Set<String> {
        Set((schema["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
    }

    /// The keys `value` encodes to, with every optional field set.
    func keys(_ value: some Encodable) throws -> [String: JSONValue] {
        try #require(try Wire.decode(JSONValue.self, from: Wire.encode(value)).objectValue)
    }

    @Test func everySwapReportFieldIsInTheSchema() throws {
        let copied = CopyReport(containers: 1, documents: 25, verified: true, caughtUp: 3, finalDelta: 1, writesHeldMs: 2.5)
        let report = SwapReport(kind: "storage", from: "a@1.0.0", to: "b@1.0.0", prepareMs: 1, subscriptions: 2, copied: copied,
                                switchMs: 0.01, forwarded: 5, forwardError: "bus.publish failed", totalMs: 9, probationMs: 3000)
        let s = try schema("SwapReport")
        let encoded = try keys(report)
        #expect(Set(encoded.keys).subtracting(properties(s)).sorted() == [], "SwapReport fields missing from components.schemas.SwapReport")
        let copiedSchema = try #require((s["properties"] as? [String: Any])?["copied"] as? [String: Any])
        #expect(Set(try keys(copied).keys).subtracting(properties(copiedSchema)).sorted() == [],
                "CopyReport fields missing from components.schemas.SwapReport.properties.copied")
        #expect(properties(copiedSchema).isSuperset(of: ["caught_up", "final_delta", "writes_held_ms"]))
        #expect(properties(s).contains("forward_error"))
    }

    @Test func aProviderChoiceInTheConfigDocumentsItsAlias() throws {
        let choice = try schema("ProviderChoice")
        #expect(properties(choice) == ["plugin", "config", "alias"])
        #expect((choice["required"] as? [String]) == ["plugin", "config"])
    }
}
