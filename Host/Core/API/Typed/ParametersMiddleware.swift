import Foundation
import HTTPTypes
import LightningAPISpec
import LightningProtocol
import OpenAPIRuntime

/// The document's parameters, read once (header parameters too: `HeaderValuesMiddleware` takes
/// their names from here). Checks a generated operation's query and path parameters against the document before the
/// generated code decodes them, so a bad or missing value is refused naming the parameter, what
/// the document allows (type, range, values) and what was sent: `query parameter "limit":
/// expected an integer from 1 to 1000, got "abc"`, as the hand-registered routes say it. (The
/// generated decoder's error names neither the parameter nor the range, and it checks no range.)
struct ParametersMiddleware: ServerMiddleware {
    /// What the document allows for one parameter.
    struct Rule: Sendable, Equatable {
        /// `body`: the request body's media types (`Content-Type`), from `requestBody.content`.
        enum Location: String, Sendable, Equatable { case query, path, header, body }
        enum Kind: Sendable, Equatable { case integer(min: Int?, max: Int?), number, boolean, oneOf([String]), text, jsonObject }
        var name: String
        var location: Location = .query
        var kind: Kind
        var required = false
    }

    /// operationId → its parameters' rules, read from the document once.
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
            let shared = item["parameters"] as? [Any] ?? []
            for case let op as [String: Any] in item.values {
                guard let id = op["operationId"] as? String else { continue }
                let requestBody = resolve(op["requestBody"] as? [String: Any] ?? [:], in: "requestBodies")
                if let content = requestBody["content"] as? [String: Any], !content.isEmpty {
                    out[id, default: []].append(Rule(name: "Content-Type", location: .body, kind: .oneOf(content.keys.sorted())))
                }
                for case let raw as [String: Any] in shared + (op["parameters"] as? [Any] ?? []) {
                    let p = resolve(raw, in: "parameters")
                    guard let location = (p["in"] as? String).flatMap(Rule.Location.init(rawValue:)), let name = p["name"] as? String else { continue }
                    let required = p["required"] as? Bool ?? false
                    if ((p["content"] as? [String: Any])?["application/json"]) != nil {
                        out[id, default: []].append(Rule(name: name, location: location, kind: .jsonObject, required: required))  // a JSON document (`where`)
                        continue
                    }
                    var schema = resolve(p["schema"] as? [String: Any] ?? [:], in: "schemas")
                    if schema["type"] as? String == "array" { schema = resolve(schema["items"] as? [String: Any] ?? [:], in: "schemas") }
                    let kind: Rule.Kind
                    if let values = schema["enum"] as? [String] {
                        kind = .oneOf(values)
                    } else {
                        switch schema["type"] as? String {
                        case "integer": kind = .integer(min: (schema["minimum"] as? NSNumber)?.intValue, max: (schema["maximum"] as? NSNumber)?.intValue)
                        case "number": kind = .number
                        case "boolean": kind = .boolean
                        default: kind = .text
                        }
                    }
                    out[id, default: []].append(Rule(name: name, location: location, kind: kind, required: required))
                }
            }
        }
        return out
    }

    /// The problem with `value` for `rule`, or nil when it is allowed.
    static func problem(_ rule: Rule, _ value: String) -> String? {
        let what = "\(rule.location.rawValue) parameter \"\(rule.name)\""
        let got = "got \"\(value)\""
        switch rule.kind {
        case .integer(let lo, let hi):
            let allowed = switch (lo, hi) {
            case let (lo?, hi?): "an integer from \(lo) to \(hi)"
            case let (lo?, nil): "an integer ≥ \(lo)"
            case let (nil, hi?): "an integer ≤ \(hi)"
            case (nil, nil): "an integer"
            }
            guard let i = Int(value), i >= (lo ?? .min), i <= (hi ?? .max) else { return "\(what): expected \(allowed), \(got)" }
        case .number:
            if Double(value) == nil { return "\(what): expected a number, \(got)" }
        case .boolean:
            if value != "true" && value != "false" { return "\(what): expected true or false, \(got)" }
        case .oneOf(let values):
            if !values.contains(value) { return "\(what): expected one of \(values.joined(separator: ", ")), \(got)" }
        case .text:
            break
        case .jsonObject:
            // Read as a form, as the generated layer reads it (`+` is a space).
            let text = value.replacingOccurrences(of: "+", with: " ")
            let data = Data(text.utf8)
            guard let parsed = FastJSON.parse(data) ?? (try? Wire.decode(JSONValue.self, from: data, what: "query parameter")) else {
                return "\(what): not valid JSON (\(text.prefix(100)))"
            }
            if parsed.objectValue == nil { return "\(what): expected a JSON object, got \(parsed.typeDescription)" }
        }
        return nil
    }

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        guard let rules = Self.rules[operationID] else { return try await next(request, body, metadata) }
        var query: [URLQueryItem] = []
        if let path = request.path, let q = path.firstIndex(of: "?") {
            query = URLComponents(string: "/?" + path[path.index(after: q)...])?.queryItems ?? []
        }
        for rule in rules {
            switch rule.location {
            case .query:
                let values = query.filter { $0.name == rule.name }.compactMap(\.value)
                if values.isEmpty, rule.required { throw WireError(.invalidArgument, "query parameter \"\(rule.name)\" is required") }
                for value in values { if let problem = Self.problem(rule, value) { throw WireError(.invalidArgument, problem) } }
            case .path:
                guard let raw = metadata.pathParameters[rule.name] else { continue }
                let value = String(raw).removingPercentEncoding ?? String(raw)
                if let problem = Self.problem(rule, value) { throw WireError(.invalidArgument, problem) }
            case .header:
                continue  // read as the generated code reads them (`HeaderValuesMiddleware`)
            case .body:
                // A body with a media type the operation does not take; none is read as the
                // first the document lists (JSON where there is one).
                guard case .oneOf(let types) = rule.kind, let sent = request.headerFields[.contentType] else { continue }
                let media = sent.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
                if types.contains(media) || (media.hasSuffix("+json") && types.contains("application/json")) { continue }
                let list = types.count == 1 ? types[0] : types.dropLast().joined(separator: ", ") + " or " + types.last!
                throw WireError(.invalidArgument, "header \"Content-Type\": expected \(list), got \"\(sent)\"")
            }
        }
        return try await next(request, body, metadata)
    }
}
