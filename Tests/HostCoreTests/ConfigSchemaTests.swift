import Foundation
@testable import HostCore
import LightningProtocol
import Testing

@Suite struct ConfigSchemaTests {
    let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["path"],
        "properties": [
            "path": ["type": "string", "minLength": 1],
            "retries": ["type": "integer", "minimum": 0, "maximum": 10],
            "key": ["type": "string", "secret": true],
            "nested": ["type": "object", "properties": ["token": ["type": "string", "secret": true]]],
        ],
    ]

    @Test func acceptsAValidConfig() {
        #expect(ConfigSchema.validate(["path": "/x", "retries": 3], against: schema, path: "config").isEmpty)
    }

    @Test func reportsEachProblemWithItsField() {
        let p = ConfigSchema.validate(["retries": 11.5, "extra": true], against: schema, path: "config")
        #expect(p.contains("field \"config.path\": required but missing"))
        #expect(p.contains("field \"config.retries\": expected integer, got 11.5"))
        #expect(p.contains { $0.hasPrefix("field \"config.extra\": expected one of the known keys") })
        let q = ConfigSchema.validate(["path": "", "retries": 20], against: schema, path: "config")
        #expect(q.contains("field \"config.path\": expected at least 1 characters, got 0"))
        #expect(q.contains("field \"config.retries\": expected ≤ 10, got 20"))
    }

    @Test func redactsSecretsBySchemaAndByName() {
        let v: JSONValue = ["path": "/x", "key": "hunter2", "nested": ["token": "t"], "AccountKey": "k", "partition_key": "pk"]
        let r = redact(v, schema: schema)
        #expect(r["key"] == "<redacted>")
        #expect(r["nested"]?["token"] == "<redacted>")
        #expect(r["AccountKey"] == "<redacted>")
        #expect(r["path"] == "/x")
        #expect(r["partition_key"] == "pk")
    }

    @Test func redactsSecretsInsideArraysOfObjects() {
        let schema: JSONValue = ["properties": ["functions": ["type": "array", "items": ["properties": ["name": ["type": "string"], "pin": ["type": "string", "secret": true]]]]]]
        #expect(ConfigSchema.secretPaths(schema) == ["functions[].pin"])
        let v: JSONValue = ["functions": [["name": "a", "pin": "1234", "key": "k1"], ["name": "b"]]]
        let r = redact(v, schema: schema)
        #expect(r["functions"] == [["name": "a", "pin": "<redacted>", "key": "<redacted>"], ["name": "b"]])
    }

    @Test func redactsByTheSchemasSecretMarkNotByTheFieldsName() {
        let schema: JSONValue = ["properties": [
            "connection_string": ["type": "string", "secret": true],
            "token_ttl_seconds": ["type": "integer"],
            "key_vault_url": ["type": "string", "secret": false],
            "endpoint": ["type": "string"],
        ]]
        let v: JSONValue = ["connection_string": "Endpoint=sb://x;SharedAccessKey=k", "token_ttl_seconds": 3600,
                            "key_vault_url": "https://v", "endpoint": "https://e", "password": "not in the schema"]
        let r = redact(v, schema: schema)
        #expect(r["connection_string"] == "<redacted>")
        #expect(r["token_ttl_seconds"] == 3600)
        #expect(r["key_vault_url"] == "https://v")
        #expect(r["endpoint"] == "https://e")
        // A field the schema does not describe is judged by its name, failing closed.
        #expect(r["password"] == "<redacted>")
    }

    @Test func theServiceBusManifestsTokenLifetimeIsShownAndItsConnectionStringIsNot() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../manifests/servicebus-eventbus.json").standardizedFileURL
        let m = try ManifestParser.parse(fileAt: url)
        let r = redact(["token_ttl_seconds": 3600, "connection_string": "Endpoint=sb://x/", "topic": "t"], schema: m.configSchema)
        #expect(r == ["token_ttl_seconds": 3600, "connection_string": "<redacted>", "topic": "t"])
    }
}
