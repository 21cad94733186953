import Foundation
@testable import HostCore
import LightningProtocol
import Testing

@Suite struct ManifestValidationTests {
    let file = URL(fileURLWithPath: "/tmp/manifests/sample.json")

    func parse(_ text: String) throws -> Manifest { try ManifestParser.parse(data: Data(text.utf8), file: file) }

    func problems(_ text: String) -> String {
        do { _ = try parse(text); return "" } catch let e as HostError {
            #expect(e.code == .manifestInvalid)
            #expect(e.subject == "/tmp/manifests/sample.json")
            return e.message
        } catch { return "unexpected \(error)" }
    }

    let valid = """
        {"manifest_version": 1, "id": "sqlite-storage", "name": "SQLite", "version": "1.2.3", "kind": "provider",
         "provides": "storage", "library": {"path": "libX.so", "sha256": "\(String(repeating: "ab", count: 32))"},
         "abi_version": 1, "config": {"defaults": {"synchronous": "full"},
         "schema": {"type": "object", "properties": {"synchronous": {"type": "string", "enum": ["full", "normal"]}}}},
         "resources": {"max_concurrency": 8}}
        """

    @Test func acceptsAValidProviderManifest() throws {
        let m = try parse(valid)
        #expect(m.id == "sqlite-storage")
        #expect(m.kind == .provider)
        #expect(m.provides == .storage)
        #expect(m.version == SemanticVersion("1.2.3"))
        #expect(m.library?.sha256 == String(repeating: "ab", count: 32))
        #expect(m.configDefaults["synchronous"] == "full")
        #expect(m.resources.maxConcurrency == 8)
        #expect(m.isolation == .inProcess)
    }

    @Test func refusesUnknownResourceHints() {
        let msg = problems(valid.replacingOccurrences(of: "\"resources\": {\"max_concurrency\": 8}", with: "\"resources\": {\"max_concurency\": 8}"))
        #expect(msg.contains("field \"resources.max_concurency\": expected memory_mb, max_concurrency or timeout_ms, got an unknown field"))
    }

    @Test func validatesTheProcessAndFunctionSections() {
        let fn = """
            {"manifest_version": 1, "id": "f", "name": "F", "version": "1.0.0", "kind": "function",
             "process": {"command": "", "restart": "sometimes", "backoff": {"multiplier": 0.5}, "colour": 1},
             "function": {"timeout_ms": 0, "handlr": "x"}, "triggers": [{"event": "bad pattern"}]}
            """
        let msg = problems(fn)
        #expect(msg.contains("field \"process.command\": expected a non-empty string, got \"\""))
        #expect(msg.contains("field \"process.restart\": expected \"permanent\", \"transient\" or \"temporary\", got \"sometimes\""))
        #expect(msg.contains("field \"process.backoff.multiplier\": expected a number from 1 to 100, got 0.5"))
        #expect(msg.contains("field \"process.colour\": expected one of"))
        #expect(msg.contains("field \"function.timeout_ms\": expected an integer from 1 to 3600000, got 0"))
        #expect(msg.contains("field \"function.handlr\": expected one of handler"))
        #expect(msg.contains("field \"triggers[0].event\": expected an event pattern"))
    }

    @Test func reportsMalformedJSONWithItsFile() {
        let msg = problems("{\"id\": ")
        #expect(msg.hasPrefix("not valid JSON"))
    }

    @Test func reportsMissingRequiredFields() {
        let msg = problems("{\"manifest_version\": 1}")
        #expect(msg.contains("field \"id\": required but missing"))
        #expect(msg.contains("field \"name\": required but missing"))
        #expect(msg.contains("field \"version\": required but missing"))
        #expect(msg.contains("field \"kind\": required but missing"))
    }

    @Test func namesTheFieldTheExpectationAndTheValue() {
        let bad = valid
            .replacingOccurrences(of: "\"1.2.3\"", with: "\"1.2\"")
            .replacingOccurrences(of: "\"abi_version\": 1", with: "\"abi_version\": \"one\"")
            .replacingOccurrences(of: String(repeating: "ab", count: 32), with: "xyz")
        let msg = problems(bad)
        #expect(msg.contains("field \"version\": expected a semantic version like 1.2.3, got \"1.2\""))
        #expect(msg.contains("field \"abi_version\": expected an integer, got \"one\""))
        #expect(msg.contains("field \"library.sha256\": expected 64 hex digits, got \"xyz\""))
    }

    @Test func rejectsUnknownKindsProvidesAndFields() {
        let msg = problems(valid.replacingOccurrences(of: "\"kind\": \"provider\"", with: "\"kind\": \"widget\", \"colour\": 1"))
        #expect(msg.contains("field \"kind\": expected one of \"provider\", \"driver\", \"agent\", \"function\", got \"widget\""))
        #expect(msg.contains("field \"colour\": expected a known field"))
        let msg2 = problems(valid.replacingOccurrences(of: "\"provides\": \"storage\"", with: "\"provides\": \"queue\""))
        #expect(msg2.contains("field \"provides\": expected one of \"storage\", \"eventbus\", \"containers\", \"functions\", got \"queue\""))
    }

    @Test func requiresALibraryForProvidersAndDrivers() {
        let noLib = valid.replacingOccurrences(of: "\"library\": {\"path\": \"libX.so\", \"sha256\": \"\(String(repeating: "ab", count: 32))\"},", with: "")
        #expect(problems(noLib).contains("field \"library\": required but missing"))
    }

    @Test func validatesDriverCapabilities() {
        let driver = """
            {"manifest_version": 1, "id": "d", "name": "D", "version": "1.0.0", "kind": "driver",
             "library": {"path": "libD.so", "sha256": "\(String(repeating: "0", count: 64))"}, "abi_version": 1,
             "capabilities": ["ok.*", "bad..type", 3]}
            """
        let msg = problems(driver)
        #expect(msg.contains("field \"capabilities[1]\": expected \"*\", an event type, or a type followed by \".*\", got \"bad..type\""))
        #expect(msg.contains("field \"capabilities[2]\": expected a string, got an integer"))
    }

    @Test func readsActionsWithTheirInputSchemas() throws {
        let driver = """
            {"manifest_version": 1, "id": "d", "name": "D", "version": "1.0.0", "kind": "driver",
             "library": {"path": "libD.so", "sha256": "\(String(repeating: "0", count: 64))"}, "abi_version": 1, "capabilities": ["mail.*"],
             "actions": [{"name": "mail.send", "description": "Sends mail.",
                          "input_schema": {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to", "subject"]}}]}
            """
        let m = try parse(driver)
        #expect(m.actions.map(\.name) == ["mail.send"])
        #expect(m.actions.first?.requiredArgs == ["to", "subject"])
    }

    @Test func refusesActionsOutsideTheCapabilitiesAndBadSchemas() {
        let driver = """
            {"manifest_version": 1, "id": "d", "name": "D", "version": "1.0.0", "kind": "driver",
             "library": {"path": "libD.so", "sha256": "\(String(repeating: "0", count: 64))"}, "abi_version": 1, "capabilities": ["mail.*"],
             "actions": [{"name": "sms.send"}, {"name": "mail.send", "input_schema": {"type": "thing"}, "colour": 1}, {"name": "mail.send"}, 7]}
            """
        let msg = problems(driver)
        #expect(msg.contains("field \"actions[0].name\": expected an event type this driver handles (its capabilities: mail.*), got \"sms.send\""))
        #expect(msg.contains("field \"actions[1].colour\": expected name, description or input_schema, got an unknown field"))
        #expect(msg.contains("actions[1].input_schema"))
        #expect(msg.contains("field \"actions[2].name\": expected a name not used by another action, got \"mail.send\" again"))
        #expect(msg.contains("field \"actions[3]\": expected an object, got an integer"))
        let provider = valid.replacingOccurrences(of: "\"abi_version\": 1,", with: "\"abi_version\": 1, \"actions\": [],")
        #expect(problems(provider).contains("field \"actions\": expected no actions (only drivers, agents and functions offer actions to plans)"))
    }

    @Test func checksConfigDefaultsAgainstTheSchema() {
        let msg = problems(valid.replacingOccurrences(of: "{\"synchronous\": \"full\"}", with: "{\"synchronous\": \"sometimes\"}"))
        #expect(msg.contains("field \"config.defaults.synchronous\": expected one of \"full\", \"normal\", got \"sometimes\""))
        let msg2 = problems(valid.replacingOccurrences(of: "\"type\": \"string\", \"enum\"", with: "\"type\": \"text\", \"enum\""))
        #expect(msg2.contains("field \"config.schema.properties.synchronous.type\": expected one of"))
        let msg3 = problems(valid.replacingOccurrences(of: "\"type\": \"string\", \"enum\"", with: "\"env\": \"lower-case\", \"type\": \"string\", \"enum\""))
        #expect(msg3.contains("field \"config.schema.properties.synchronous.env\": expected an environment variable name (A-Z, 0-9, _), got \"lower-case\""))
    }

    @Test func schemaPropertiesBoundToEnvironmentVariablesAreListed() {
        let schema: JSONValue = ["properties": ["connection_string": ["type": "string", "secret": true, "env": "LIGHTNING_COSMOS_CONNECTION_STRING"],
                                                "database": ["type": "string"]]]
        #expect(ConfigSchema.checkSchema(schema, path: "config.schema").isEmpty)
        let b = ConfigSchema.environmentBindings(schema)
        #expect(b.map(\.field) == ["connection_string"] && b.map(\.variable) == ["LIGHTNING_COSMOS_CONNECTION_STRING"])
    }

    @Test func rejectsIdsThatAreNotPortable() {
        #expect(problems(valid.replacingOccurrences(of: "\"sqlite-storage\"", with: "\"SQLite Storage\"")).contains("field \"id\": expected 1-64 characters"))
    }

    @Test func agentsNeedAProcessSection() {
        let agent = """
            {"manifest_version": 1, "id": "a", "name": "A", "version": "1.0.0", "kind": "agent", "capabilities": ["x.*"]}
            """
        #expect(problems(agent).contains("field \"process\": expected an object describing the child process"))
    }

    @Test func scanKeepsGoodManifestsAndReportsBadOnesAndDuplicates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lt-manifests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(valid.utf8).write(to: dir.appendingPathComponent("a.json"))
        try Data(valid.utf8).write(to: dir.appendingPathComponent("b.json"))
        try Data("[]".utf8).write(to: dir.appendingPathComponent("c.json"))
        try Data("ignored".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let scan = ManifestDirectory.scan(dir)
        #expect(scan.manifests.map(\.id) == ["sqlite-storage"])
        #expect(scan.errors.count == 2)
        #expect(scan.errors.contains { $0.subject.hasSuffix("b.json") && $0.message.contains("also in") })
        #expect(scan.errors.contains { $0.subject.hasSuffix("c.json") && $0.message.contains("expected a JSON object at the top level, got an array") })
    }

    @Test func severalFoldersAreReadInOrderAndAnIdLivesInOneFolderOnly() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lt-manifests-\(UUID().uuidString)")
        let (first, second) = (root.appendingPathComponent("shipped"), root.appendingPathComponent("mine"))
        for d in [first, second] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(at: root) }
        try Data(valid.utf8).write(to: first.appendingPathComponent("z.json"))
        try Data(valid.utf8).write(to: second.appendingPathComponent("a.json"))
        try Data(valid.replacingOccurrences(of: "\"sqlite-storage\"", with: "\"my-storage\"").utf8).write(to: second.appendingPathComponent("b.json"))
        let scan = ManifestDirectory.scan([first, second, root.appendingPathComponent("missing")])
        #expect(scan.manifests.map(\.id) == ["sqlite-storage", "my-storage"])
        #expect(scan.manifests.first?.file.path.hasSuffix("shipped/z.json") == true)
        #expect(scan.errors.count == 2)
        #expect(scan.errors.contains { $0.subject.hasSuffix("mine/a.json") && $0.message.contains("also in") && $0.message.contains("shipped/z.json") })
        #expect(scan.errors.contains { $0.subject.hasSuffix("missing") && $0.message.hasPrefix("cannot list manifests") })
    }

    @Test func repositoryManifestsAreAllValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let scan = ManifestDirectory.scan(root.appendingPathComponent("manifests"))
        #expect(scan.errors.map(\.description) == [])
        #expect(scan.manifests.contains { $0.id == "sqlite-storage" })
        #expect(scan.manifests.contains { $0.id == "local-eventbus" })
    }
}
