// libFuzzer targets (issue 17, item 7): the parsers that take bytes from outside the daemon.
// Built with `swiftc -sanitize=fuzzer,address` by `.ci/fuzz` (not by SwiftPM), run for a bounded
// time in CI from the seed corpus in Tests/Fuzz/corpus/<target>/. LT_FUZZ_TARGET picks one:
//   event     an event's JSON (POST /v1/events, the bus) → Event, validation, re-encoding
//   rpc       the child protocol: NDJSON lines → RPCMessage, re-encoding
//   json      FastJSON (Wire.decode's fast path) against Foundation's JSONDecoder: whatever the
//             fast parser accepts, Foundation accepts and reads as the same JSONValue; and
//             FastJSONEncoder (Wire.encode's) against JSONEncoder: what it writes, byte for byte
//   cron      cron expressions (plan schedules) → next fire times
//   duration  ISO 8601 durations (interval schedules)
//   guard     plan step guards → evaluation
//   plan      plan documents → parse and validate (including workflow-net soundness)
//   manifest  manifest files → ManifestParser (HostCore's manifest sources, built as HostManifest)
// Each checks a property, not only "no crash": what parses re-encodes to something that parses
// the same way, next fire times move forward.
import Foundation
import HostManifest
import LightningPlanner
import LightningProtocol

let fuzzTarget = ProcessInfo.processInfo.environment["LT_FUZZ_TARGET"] ?? ""
let catalog = ActionCatalog([
    .init(name: "echo", providedBy: "echo-driver", requiredArgs: ["text"]),
    .init(name: "notify", providedBy: "example-agent"),
])
let epoch = Date(timeIntervalSince1970: 1_800_000_000)
let manifestURL = URL(fileURLWithPath: "/nonexistent/fuzz/manifest.json")

func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("property violated: \(message())") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    let text = String(decoding: data, as: UTF8.self)
    switch fuzzTarget {
    case "event":
        guard let event = try? Wire.decode(Event.self, from: data) else { return 0 }
        _ = event.validationError()
        _ = event.isExpired()
        let encoded = Wire.encodeOrError(event)
        let again = try? Wire.decode(Event.self, from: encoded)
        require(again != nil, "an event re-encoded does not decode: \(String(decoding: encoded, as: UTF8.self))")
        require(again?.id == event.id && again?.type == event.type && again?.timestamp == event.timestamp, "event fields changed in a round trip")
    case "json":
        guard let fast = FastJSON.parse(data) else { return 0 }
        let reference = try? JSONDecoder().decode(JSONValue.self, from: data)
        require(reference != nil, "FastJSON accepts what Foundation refuses: \(text.debugDescription)")
        require(reference == fast, "FastJSON reads \(text.debugDescription) as \(fast), Foundation as \(String(describing: reference))")
        // And the writer: what FastJSONEncoder writes of the value is Foundation's bytes.
        if let written = try? FastJSONEncoder.encode(fast) {
            let expected = try? Wire.foundationEncode(fast)
            require(written == expected, "FastJSONEncoder writes \(fast) as \(String(decoding: written, as: UTF8.self)), Foundation as \(expected.map { String(decoding: $0, as: UTF8.self) } ?? "an error")")
        }
    case "rpc":
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard let message = try? RPCMessage.parse(Data(line)) else { continue }
            let reparsed = try? RPCMessage.parse(message.line().dropLast())
            require(reparsed != nil, "a parsed message re-encoded does not parse: \(String(decoding: message.line(), as: UTF8.self))")
            switch (message, reparsed) {
            case (.request(let a, let m, _), .request(let b, let n, _)?): require(a == b && m == n, "request changed")
            case (.notification(let m, _), .notification(let n, _)?): require(m == n, "notification changed")
            case (.response(let a, _), .response(let b, _)?): require(a == b, "response id changed")
            case (.errorResponse(let a, let e), .errorResponse(let b, let f)?): require(a == b && e.code == f.code, "error changed")
            default: require(false, "message kind changed in a round trip")
            }
        }
    case "cron":
        guard let cron = try? CronExpression(parsing: text) else { return 0 }
        var at = epoch
        for _ in 0..<3 {
            guard let next = cron.next(after: at) else { break }
            require(next > at, "next fire \(next) is not after \(at) for \"\(text)\"")
            at = next
        }
    case "duration":
        _ = try? ISODuration(parsing: text)
    case "guard":
        guard let expression = try? GuardExpression(parsing: text) else { return 0 }
        _ = try? expression.evaluate(["data": ["n": 3, "s": "x", "a": [1, 2]], "event": ["type": "t.x"]])
    case "plan":
        let (plan, problems) = PlanValidator.validate(data, actions: catalog)
        require(plan != nil || !problems.isEmpty, "a plan refused without a problem")
    case "manifest":
        let manifest: Manifest
        do { manifest = try ManifestParser.parse(data: data, file: manifestURL) } catch let e as HostError {
            require(e.subject == manifestURL.path && !e.message.isEmpty, "a refused manifest does not name its file and a problem: \(e)")
            return 0
        } catch {
            require(false, "the manifest parser threw something other than a HostError: \(error)")
            return 0
        }
        // What was accepted is accepted again from its own JSON, with the same meaning.
        let again = try? ManifestParser.parse(data: Wire.encodeOrError(manifest.raw), file: manifestURL)
        require(again != nil, "an accepted manifest re-encoded is refused")
        require(again?.id == manifest.id && again?.kind == manifest.kind && again?.version == manifest.version
                && again?.library == manifest.library && again?.capabilities == manifest.capabilities
                && again?.isolation == manifest.isolation && again?.provides == manifest.provides,
                "manifest fields changed in a round trip")
    default:
        fatalError("LT_FUZZ_TARGET: expected event, rpc, cron, duration, guard, plan or manifest, got \"\(fuzzTarget)\"")
    }
    return 0
}
