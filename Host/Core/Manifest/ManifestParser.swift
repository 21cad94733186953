public import Foundation
import LightningProtocol

/// Parses and validates manifests. Every problem is reported (not just the first), each as
/// `manifests/x.json: field "library.sha256": expected 64 hex digits, got "abc"`.
public enum ManifestParser {
    /// The manifest format this host reads.
    public static let supportedManifestVersion = 1

    /// Reads and validates one manifest file.
    /// - Throws: `HostError(.manifestInvalid)` whose message lists every problem, one per line.
    public static func parse(fileAt url: URL) throws -> Manifest {
        let subject = Manifest.display(url)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HostError(.manifestInvalid, subject: subject, "cannot read file: \(error.localizedDescription)")
        }
        return try parse(data: data, file: url)
    }

    public static func parse(data: Data, file url: URL) throws -> Manifest {
        let subject = Manifest.display(url)
        // FastJSON reads what it accepts exactly as Foundation does (FastJSONTests, fuzz target
        // json) at a fraction of the cost: every swap and SIGHUP parses every manifest again.
        // Foundation reads the rest and words the errors.
        let json: JSONValue
        if let fast = FastJSON.parse(data) { json = fast } else {
            do { json = try JSONDecoder().decode(JSONValue.self, from: data) } catch let e as DecodingError {
                throw HostError(.manifestInvalid, subject: subject, "not valid JSON: \(Wire.describe(e))")
            }
        }
        var c = FieldChecker()
        guard case .object(let o) = json else {
            throw HostError(.manifestInvalid, subject: subject, "expected a JSON object at the top level, got \(json.typeDescription)")
        }
        let known: Set = ["manifest_version", "id", "name", "version", "kind", "description", "provides", "library",
                          "abi_version", "capabilities", "config", "resources", "isolation", "process", "triggers",
                          "author", "license", "homepage", "sandbox", "function", "actions"]
        for key in o.keys.sorted() where !known.contains(key) {
            c.fail(key, "a known field (\(known.sorted().joined(separator: ", ")))", "an unknown field")
        }
        let mv = c.int(o, "manifest_version", required: true, range: 1...Int.max) ?? 1
        if mv > supportedManifestVersion {
            c.fail("manifest_version", "≤ \(supportedManifestVersion) (this host's format)", "\(mv)")
        }
        let id = c.string(o, "id", required: true) ?? ""
        if !id.isEmpty, !isValidId(id) {
            c.fail("id", "1-64 characters of a-z, 0-9, '-', '_' or '.', starting with a letter or digit", quote(id))
        }
        let name = c.string(o, "name", required: true) ?? ""
        let versionText = c.string(o, "version", required: true) ?? "0.0.0"
        let version = SemanticVersion(versionText)
        if version == nil { c.fail("version", "a semantic version like 1.2.3", quote(versionText)) }
        let kindText = c.string(o, "kind", required: true)
        let kind = kindText.flatMap(Manifest.Kind.init(rawValue:))
        if let k = kindText, kind == nil { c.fail("kind", oneOf(Manifest.Kind.allCases.map(\.rawValue)), quote(k)) }
        let description = c.string(o, "description", required: false) ?? ""

        var provides: Manifest.ProviderKind?
        if let p = c.string(o, "provides", required: kind == .provider) {
            provides = Manifest.ProviderKind(rawValue: p)
            if provides == nil { c.fail("provides", oneOf(Manifest.ProviderKind.allCases.map(\.rawValue)), quote(p)) }
            if kind != nil, kind != .provider { c.fail("provides", "absent for kind \(kind!.rawValue)", quote(p)) }
        }

        let needsLibrary = kind == .provider || kind == .driver
        var library: Manifest.Library?
        var abi: Int?
        if let lib = c.object(o, "library", required: needsLibrary) {
            let path = c.string(lib, "path", required: true, prefix: "library") ?? ""
            let sha = c.string(lib, "sha256", required: true, prefix: "library") ?? ""
            if !sha.isEmpty, !(sha.count == 64 && sha.allSatisfy(\.isHexDigit)) {
                c.fail("library.sha256", "64 hex digits", quote(sha))
            }
            for key in lib.keys.sorted() where !["path", "sha256"].contains(key) {
                c.fail("library.\(key)", "path or sha256", "an unknown field")
            }
            library = .init(path: path, sha256: sha.lowercased())
        }
        if needsLibrary || o["abi_version"] != nil {
            abi = c.int(o, "abi_version", required: needsLibrary, range: 1...65535)
        }

        let needsCaps = kind == .driver || kind == .agent
        var caps: [String] = []
        if let arr = c.stringArray(o, "capabilities", required: needsCaps) {
            caps = arr
            if needsCaps, arr.isEmpty { c.fail("capabilities", "at least one event-type pattern", "an empty array") }
            for (i, p) in arr.enumerated() where !EventPattern.isValidPattern(p) {
                c.fail("capabilities[\(i)]", "\"*\", an event type, or a type followed by \".*\"", quote(p))
            }
        }

        var defaults: [String: JSONValue] = [:]
        var schema: JSONValue?
        if let cfg = c.object(o, "config", required: false) {
            if let d = cfg["defaults"] {
                if case .object(let dd) = d { defaults = dd } else { c.fail("config.defaults", "an object", d.typeDescription) }
            }
            if let s = cfg["schema"] {
                if case .object = s {
                    schema = s
                    for problem in ConfigSchema.checkSchema(s, path: "config.schema") { c.problems.append(problem) }
                    if !defaults.isEmpty {
                        for problem in ConfigSchema.validate(.object(defaults), against: s, path: "config.defaults", partial: true) {
                            c.problems.append(problem)
                        }
                    }
                } else { c.fail("config.schema", "an object (a JSON Schema subset)", s.typeDescription) }
            }
            for key in cfg.keys.sorted() where !["defaults", "schema"].contains(key) {
                c.fail("config.\(key)", "defaults or schema", "an unknown field")
            }
        }

        var resources = Manifest.Resources()
        if let r = c.object(o, "resources", required: false) {
            for key in r.keys.sorted() where !["memory_mb", "max_concurrency", "timeout_ms"].contains(key) {
                c.fail("resources.\(key)", "memory_mb, max_concurrency or timeout_ms", "an unknown field")
            }
            resources.memoryMB = c.int(r, "memory_mb", required: false, range: 1...1_048_576, prefix: "resources")
            resources.maxConcurrency = c.int(r, "max_concurrency", required: false, range: 1...100_000, prefix: "resources")
            resources.timeoutMs = c.int(r, "timeout_ms", required: false, range: 1...86_400_000, prefix: "resources")
        }

        var isolation = Manifest.Isolation.inProcess
        if let iso = c.string(o, "isolation", required: false) {
            if let v = Manifest.Isolation(rawValue: iso) { isolation = v } else {
                c.fail("isolation", oneOf(Manifest.Isolation.allCases.map(\.rawValue)), quote(iso))
            }
        }
        if kind == .agent || kind == .function { isolation = .process }

        let process = o["process"]
        if kind == .agent || kind == .function {
            if kind == .function { _ = FunctionSpec.parse(id: id, function: o["function"], triggers: o["triggers"], &c) }
            // The sandbox section is checked with the manifest, not first when the child starts.
            _ = SandboxPolicy.parse(o["sandbox"], manifestDir: url.resolvingSymlinksInPath().deletingLastPathComponent().path, &c)
            if let process { _ = ChildSpec.parse(process, &c) } else {
                c.fail("process", "an object describing the child process (command, args, ...)", "nothing")
            }
        }

        let actions = ManifestAction.parse(o["actions"], kind: kind, capabilities: caps, &c)

        if !c.problems.isEmpty {
            throw HostError(.manifestInvalid, subject: subject, c.problems.joined(separator: "\n  "))
        }
        return Manifest(
            file: url, manifestVersion: mv, id: id, name: name, version: version!, kind: kind!, description: description,
            provides: provides, library: library, abiVersion: abi, capabilities: caps, configDefaults: defaults,
            configSchema: schema, resources: resources, isolation: isolation, process: process, triggers: o["triggers"], actions: actions,
            raw: json)
    }

    static func isValidId(_ s: String) -> Bool {
        guard (1...64).contains(s.utf8.count), let first = s.utf8.first else { return false }
        func ok(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        return ok(first) && s.utf8.allSatisfy { ok($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    static func quote(_ s: String) -> String { "\"\(s)\"" }
    static func oneOf(_ xs: [String]) -> String { "one of " + xs.map { "\"\($0)\"" }.joined(separator: ", ") }
}

/// Collects field problems while reading a JSON object.
struct FieldChecker {
    var problems: [String] = []

    mutating func fail(_ field: String, _ expected: String, _ got: String) {
        problems.append("field \"\(field)\": expected \(expected), got \(got)")
    }

    private func name(_ key: String, _ prefix: String?) -> String { prefix.map { "\($0).\(key)" } ?? key }

    mutating func string(_ o: [String: JSONValue], _ key: String, required: Bool, prefix: String? = nil) -> String? {
        guard let v = o[key] else {
            if required { problems.append("field \"\(name(key, prefix))\": required but missing") }
            return nil
        }
        guard case .string(let s) = v else { fail(name(key, prefix), "a string", v.typeDescription); return nil }
        if required, s.isEmpty { fail(name(key, prefix), "a non-empty string", "\"\""); return nil }
        return s
    }

    mutating func int(_ o: [String: JSONValue], _ key: String, required: Bool, range: ClosedRange<Int>, prefix: String? = nil) -> Int? {
        guard let v = o[key] else {
            if required { problems.append("field \"\(name(key, prefix))\": required but missing") }
            return nil
        }
        guard let i = v.intValue, v.doubleValue != nil else {
            let shown: String = { if case .string(let s) = v { return "\"\(s)\"" } else { return v.typeDescription } }()
            fail(name(key, prefix), "an integer", shown); return nil
        }
        guard range.contains(i) else {
            let r = range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            fail(name(key, prefix), "an integer \(r)", "\(i)"); return nil
        }
        return i
    }

    mutating func object(_ o: [String: JSONValue], _ key: String, required: Bool) -> [String: JSONValue]? {
        guard let v = o[key] else {
            if required { problems.append("field \"\(key)\": required but missing") }
            return nil
        }
        guard case .object(let x) = v else { fail(key, "an object", v.typeDescription); return nil }
        return x
    }

    mutating func stringArray(_ o: [String: JSONValue], _ key: String, required: Bool) -> [String]? {
        guard let v = o[key] else {
            if required { problems.append("field \"\(key)\": required but missing") }
            return nil
        }
        guard case .array(let a) = v else { fail(key, "an array of strings", v.typeDescription); return nil }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            guard case .string(let s) = e else { fail("\(key)[\(i)]", "a string", e.typeDescription); continue }
            out.append(s)
        }
        return out
    }
}
