import Foundation
import HTTPTypes
import LightningAPISpec
import LightningProtocol
import OpenAPIRuntime

/// Checks a generated operation's query parameters against the document before the generated
/// code decodes them, so a bad value is refused naming the parameter, what the document allows
/// (type, range, values) and what was sent: `query parameter "limit": expected an integer from 1
/// to 1000, got "abc"`, as the hand-registered routes say it. (The generated decoder's error
/// names neither the parameter nor the range, and it checks no range.)
struct QueryParametersMiddleware: ServerMiddleware {
    /// What the document allows for one query parameter.
    struct Rule: Sendable, Equatable {
        enum Kind: Sendable, Equatable { case integer(ClosedRange<Int>?), number, boolean, oneOf([String]), text, jsonObject }
        var name: String
        var kind: Kind
    }

    /// operationId → its query parameters' rules, read from the document once.
    static let rules: [String: [Rule]] = {
        guard let doc = try? JSONSerialization.jsonObject(with: Data(APISpec.openAPIJSON)) as? [String: Any] else { return [:] }
        return rules(in: doc)
    }()

    static func rules(in doc: [String: Any]) -> [String: [Rule]] {
        let components = doc["components"] as? [String: Any] ?? [:]
        func resolve(_ o: [String: Any], in section: String) -> [String: Any] {
            guard let ref = o["$ref"] as? String, let name = ref.split(separator: "/").last,
                  let target = (components[section] as? [String: Any])?[String(name)] as? [String: Any] else { return o }
            return target
        }
        var out: [String: [Rule]] = [:]
        for case let item as [String: Any] in (doc["paths"] as? [String: Any] ?? [:]).values {
            for case let op as [String: Any] in item.values {
                guard let id = op["operationId"] as? String else { continue }
                for case let raw as [String: Any] in op["parameters"] as? [Any] ?? [] {
                    let p = resolve(raw, in: "parameters")
                    guard p["in"] as? String == "query", let name = p["name"] as? String else { continue }
                    if ((p["content"] as? [String: Any])?["application/json"]) != nil {
                        out[id, default: []].append(Rule(name: name, kind: .jsonObject))  // a JSON document in the query (`where`)
                        continue
                    }
                    var schema = resolve(p["schema"] as? [String: Any] ?? [:], in: "schemas")
                    if schema["type"] as? String == "array" { schema = resolve(schema["items"] as? [String: Any] ?? [:], in: "schemas") }
                    let kind: Rule.Kind
                    if let values = schema["enum"] as? [String] {
                        kind = .oneOf(values)
                    } else {
                        switch schema["type"] as? String {
                        case "integer":
                            let lo = (schema["minimum"] as? NSNumber)?.intValue, hi = (schema["maximum"] as? NSNumber)?.intValue
                            kind = .integer(lo.flatMap { lo in hi.map { lo...$0 } })
                        case "number": kind = .number
                        case "boolean": kind = .boolean
                        default: kind = .text
                        }
                    }
                    out[id, default: []].append(Rule(name: name, kind: kind))
                }
            }
        }
        return out
    }

    /// The problem with `value` for `rule`, or nil when it is allowed.
    static func problem(_ rule: Rule, _ value: String) -> String? {
        let got = "got \"\(value)\""
        switch rule.kind {
        case .integer(let range):
            guard let i = Int(value) else {
                return "query parameter \"\(rule.name)\": expected an integer\(range.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? ""), \(got)"
            }
            if let range, !range.contains(i) {
                return "query parameter \"\(rule.name)\": expected an integer from \(range.lowerBound) to \(range.upperBound), \(got)"
            }
        case .number:
            if Double(value) == nil { return "query parameter \"\(rule.name)\": expected a number, \(got)" }
        case .boolean:
            if value != "true" && value != "false" { return "query parameter \"\(rule.name)\": expected true or false, \(got)" }
        case .oneOf(let values):
            if !values.contains(value) { return "query parameter \"\(rule.name)\": expected one of \(values.joined(separator: ", ")), \(got)" }
        case .text:
            break
        case .jsonObject:
            // Read as a form, as the generated layer reads it (`+` is a space).
            let text = value.replacingOccurrences(of: "+", with: " ")
            let data = Data(text.utf8)
            guard let parsed = FastJSON.parse(data) ?? (try? Wire.decode(JSONValue.self, from: data, what: "query parameter")) else {
                return "query parameter \"\(rule.name)\": not valid JSON (\(text.prefix(100)))"
            }
            if parsed.objectValue == nil { return "query parameter \"\(rule.name)\": expected a JSON object, got \(parsed.typeDescription)" }
        }
        return nil
    }

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        if let rules = Self.rules[operationID], let path = request.path, let q = path.firstIndex(of: "?") {
            let items = URLComponents(string: "/?" + path[path.index(after: q)...])?.queryItems ?? []
            for item in items {
                guard let rule = rules.first(where: { $0.name == item.name }), let value = item.value else { continue }
                if let problem = Self.problem(rule, value) { throw WireError(.invalidArgument, problem) }
            }
        }
        return try await next(request, body, metadata)
    }
}
