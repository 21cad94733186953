import Foundation
import LightningProtocol

/// How a function runs: the `function` section and `triggers` of a function manifest
/// (docs/functions.md). The program itself is the manifest's `process` section.
struct FunctionSpec: Sendable, Equatable {
    /// The name the child serves (`function.invoke` param `function`); defaults to the manifest id.
    var handler: String
    var timeoutMs = 30_000
    /// Invocations running at once (one per instance); more wait in the queue.
    var maxConcurrency = 4
    /// Invocations allowed to wait for a free instance; beyond it, `throttled`.
    var maxQueue = 100
    /// An instance idle this long is stopped; 0 = never.
    var idleTimeoutMs = 60_000
    /// Event-type patterns that invoke the function (input = the event).
    var eventTriggers: [String] = []

    /// Reads the manifest's `function` and `triggers`, recording problems with field paths.
    static func parse(id: String, function: JSONValue?, triggers: JSONValue?, _ c: inout FieldChecker) -> FunctionSpec {
        var spec = FunctionSpec(handler: id)
        if let f = function {
            if case .object(let o) = f {
                let known = ["handler", "timeout_ms", "max_concurrency", "max_queue", "idle_timeout_ms"]
                for key in o.keys.sorted() where !known.contains(key) {
                    c.fail("function.\(key)", "one of \(known.joined(separator: ", "))", "an unknown field")
                }
                spec.handler = c.string(o, "handler", required: false, prefix: "function") ?? id
                spec.timeoutMs = c.int(o, "timeout_ms", required: false, range: 1...3_600_000, prefix: "function") ?? spec.timeoutMs
                spec.maxConcurrency = c.int(o, "max_concurrency", required: false, range: 1...1000, prefix: "function") ?? spec.maxConcurrency
                spec.maxQueue = c.int(o, "max_queue", required: false, range: 0...100_000, prefix: "function") ?? spec.maxQueue
                spec.idleTimeoutMs = c.int(o, "idle_timeout_ms", required: false, range: 0...86_400_000, prefix: "function") ?? spec.idleTimeoutMs
            } else {
                c.fail("function", "an object", f.typeDescription)
            }
        }
        if let t = triggers {
            if case .array(let a) = t {
                for (i, x) in a.enumerated() {
                    if let e = x["event"]?.stringValue {
                        if EventPattern.isValidPattern(e) { spec.eventTriggers.append(e) } else {
                            c.fail("triggers[\(i)].event", "an event pattern (\"*\", \"a.b\" or \"a.*\")", "\"\(e)\"")
                        }
                    } else if x["http"] != nil {
                        // HTTP is always on (POST /v1/functions/{name}/invoke); accepted for clarity.
                    } else {
                        c.fail("triggers[\(i)]", "{\"event\": pattern} or {\"http\": true}", "\(x)")
                    }
                }
            } else {
                c.fail("triggers", "an array", t.typeDescription)
            }
        }
        return spec
    }
}
