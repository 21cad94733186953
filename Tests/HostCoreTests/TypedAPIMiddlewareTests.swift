import Foundation
import HTTPTypes
@testable import HostCore
import LightningProtocol
import Testing

/// The pieces around the generated API layer (Host/Core/API/Typed): what they read from the
/// document and what they say. The layer itself is exercised over HTTP by DaemonTaskTests,
/// DaemonAuthTests and the schemathesis run.
@Suite struct TypedAPIMiddlewareTests {
    @Test func queryRulesComeFromTheDocument() throws {
        let rules = ParametersMiddleware.rules
        let tasks = try #require(rules["listTasks"])
        #expect(tasks.first { $0.name == "limit" }?.kind == .integer(min: 1, max: 1000))
        #expect(tasks.first { $0.name == "status" }?.kind == .oneOf(["open", "in_progress", "done", "cancelled"]), "a $ref'd enum is resolved")
        #expect(tasks.first { $0.name == "assignee" }?.kind == .text)
        #expect(rules["listDocuments"]?.first { $0.name == "where" }?.kind == .jsonObject, "a JSON document in the query")
        #expect(rules["readContextDocumentByPath"]?.first { $0.name == "path" }?.required == true)
        #expect(rules["readContextVersion"]?.first { $0.name == "version" } == .init(name: "version", location: .path, kind: .integer(min: 1, max: nil), required: true),
                "path parameters, shared ones ($ref) resolved")
        // Every operation of the document with query parameters has its rules.
        let doc = try #require(JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as? [String: Any])
        let shared = (doc["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]] ?? [:]
        func resolved(_ p: [String: Any]) -> [String: Any] {
            guard let ref = p["$ref"] as? String else { return p }
            return shared[String(ref.split(separator: "/").last ?? "")] ?? [:]
        }
        var withQuery = 0
        for case let item as [String: Any] in (doc["paths"] as? [String: Any] ?? [:]).values {
            for case let op as [String: Any] in item.values {
                let params = (op["parameters"] as? [[String: Any]] ?? []).map(resolved).filter { $0["in"] as? String == "query" }
                guard !params.isEmpty, let id = op["operationId"] as? String else { continue }
                withQuery += 1
                #expect(Set(rules[id]?.filter { $0.location == .query }.map(\.name) ?? []) == Set(params.compactMap { $0["name"] as? String }), "\(id)")
            }
        }
        #expect(withQuery > 10)
    }

    @Test func queryProblemsNameTheParameterWhatIsAllowedAndWhatCame() {
        typealias R = ParametersMiddleware.Rule
        let p = ParametersMiddleware.problem
        #expect(p(R(name: "limit", kind: .integer(min: 1, max: 1000)), "50") == nil)
        #expect(p(R(name: "limit", kind: .integer(min: 1, max: 1000)), "0") == "query parameter \"limit\": expected an integer from 1 to 1000, got \"0\"")
        #expect(p(R(name: "limit", kind: .integer(min: 1, max: 1000)), "1e3") == "query parameter \"limit\": expected an integer from 1 to 1000, got \"1e3\"")
        #expect(p(R(name: "n", kind: .integer(min: nil, max: nil)), "-7") == nil)
        #expect(p(R(name: "n", kind: .integer(min: nil, max: nil)), "x") == "query parameter \"n\": expected an integer, got \"x\"")
        #expect(p(R(name: "s", kind: .oneOf(["a", "b"])), "c") == "query parameter \"s\": expected one of a, b, got \"c\"")
        #expect(p(R(name: "s", kind: .oneOf(["a", "b"])), "b") == nil)
        #expect(p(R(name: "f", kind: .boolean), "yes") == "query parameter \"f\": expected true or false, got \"yes\"")
        #expect(p(R(name: "x", kind: .number), "1.5") == nil && p(R(name: "x", kind: .number), "one") != nil)
        #expect(p(R(name: "t", kind: .text), "anything") == nil)
        #expect(p(R(name: "version", location: .path, kind: .integer(min: 1, max: nil)), "0") == "path parameter \"version\": expected an integer ≥ 1, got \"0\"")
        #expect(p(R(name: "version", location: .path, kind: .integer(min: 1, max: nil)), "3") == nil)
        #expect(p(R(name: "where", kind: .jsonObject), "{\"name\":+\"Ada+L.\"}") == nil)
        #expect(p(R(name: "where", kind: .jsonObject), "{name") == "query parameter \"where\": not valid JSON ({name)")
        #expect(p(R(name: "where", kind: .jsonObject), "[1]") == "query parameter \"where\": expected a JSON object, got an array")
    }

    @Test func declaredRequestHeadersAreTheDocumentsHeaderParameters() {
        #expect(HeaderValuesMiddleware.declaredRequestHeaders == [.ifMatch, .ifNoneMatch])
    }

    @Test func timestampsAreWrittenAndReadAsTheRestOfTheAPIDoes() throws {
        let t = APIDateTranscoder()
        let date = Timestamp(millis: 1_796_000_000_123).date
        #expect(try t.encode(date) == "2026-11-30T00:53:20.123Z")
        #expect(try t.decode("2026-11-30T00:53:20.123Z") == date)
        #expect(try t.decode("2026-11-30T01:53:20.123+01:00") == date)
        #expect(try t.decode("2026-11-30T00:53:20Z") == Timestamp(millis: 1_796_000_000_000).date)
        #expect(throws: DecodingError.self) { try t.decode("yesterday") }
    }

    @Test func bodyDecodingErrorsAreSaidPlainly() {
        struct K: CodingKey { var stringValue: String; var intValue: Int? { nil }; init(_ s: String) { stringValue = s }; init?(stringValue: String) { self.stringValue = stringValue }; init?(intValue: Int) { nil } }
        let unknown = DecodingError.dataCorrupted(.init(codingPath: [K("colour")], debugDescription: "Additional properties are disabled, but found 1 unknown keys during decoding"))
        #expect(RequestBodyLimitsMiddleware.describe(unknown) == "field \"colour\": unknown (the document's schema has no such field; see /openapi.json)")
        let badCase = DecodingError.dataCorrupted(.init(codingPath: [K("priority")], debugDescription: "Cannot initialize TaskPriority from invalid String value urgent"))
        #expect(RequestBodyLimitsMiddleware.describe(badCase) == "field \"priority\": expected one of the values /openapi.json lists, got \"urgent\"")
        let missing = DecodingError.keyNotFound(K("title"), .init(codingPath: [], debugDescription: ""))
        #expect(RequestBodyLimitsMiddleware.describe(missing) == "field \"title\": required but missing")
    }

    @Test func jsonBodiesAreThoseWithAJSONTypeOrNoneWhereTheOperationTakesOnlyJSON() {
        #expect(RequestBodyLimitsMiddleware.isJSON(nil, operationID: "createTask"))
        #expect(!RequestBodyLimitsMiddleware.isJSON(nil, operationID: "patchContextDocument"), "no type: the diff is read as text")
        #expect(RequestBodyLimitsMiddleware.isJSON("application/json; charset=utf-8", operationID: "patchContextDocument"))
        #expect(RequestBodyLimitsMiddleware.isJSON("application/merge-patch+json", operationID: "createTask"))
        #expect(!RequestBodyLimitsMiddleware.isJSON("text/x-diff", operationID: "patchContextDocument"))
    }

    @Test func requestMediaTypesComeFromTheDocument() {
        let rules = ParametersMiddleware.rules
        #expect(rules["patchContextDocument"]?.first { $0.location == .body }?.kind == .oneOf(["application/json", "text/plain", "text/x-diff"]))
        #expect(rules["createTask"]?.first { $0.location == .body }?.kind == .oneOf(["application/json"]))
        #expect(rules["getTask"]?.contains { $0.location == .body } == false, "no request body, no rule")
    }

    @Test func queryInstantsKeepAnOffsetSentUnencoded() throws {
        let plus = try #require(Timestamp(rfc3339: "2020-11-24T10:00:00+01:00"))
        #expect(try TypedAPI.timestamp(query: "from", "2020-11-24T10:00:00 01:00") == plus, "a '+' the form decoding made a space")
        #expect(try TypedAPI.timestamp(query: "from", "2020-11-24T10:00:00+01:00") == plus)
        #expect(try TypedAPI.timestamp(query: "from", "2020-11-24T10:00:00-01:00") == Timestamp(rfc3339: "2020-11-24T10:00:00-01:00"))
        #expect(try TypedAPI.timestamp(query: "from", "1600000000.5") == Timestamp(millis: 1_600_000_000_500))
        #expect(try TypedAPI.timestamp(query: "from", nil) == nil)
        #expect(throws: WireError(.invalidArgument, "query parameter \"to\": expected an RFC 3339 timestamp, got \"soon\"")) {
            try TypedAPI.timestamp(query: "to", "soon")
        }
    }

    @Test func patternsAreRepeatedOrCommaSeparated() {
        #expect(TypedAPI.patterns(["a.*,b.c", "d"]) == ["a.*", "b.c", "d"])
        #expect(TypedAPI.patterns(nil) == nil && TypedAPI.patterns([]) == nil)
    }
}
