import Foundation
import LightningChildKit
import LightningProtocol

/// The well-behaved child every mode starts from.
///
/// Events (`test.*`): `test.echo` → `test.echoed` (same data); `test.fail` → WireError
/// internal "asked to fail"; `test.store` → creates container "t", upserts the event's data as
/// document <event id>, → `test.stored` {"id"}; `test.emit` → emits `test.emitted` (same data)
/// through the host, → nothing. Functions: `echo` (output = input), `sleep` {"ms"} →
/// {"slept_ms"}, `pid` → {"pid"}.
enum WellBehaved {
    static func make() -> Child {
        let child = Child(name: "lt-test-child", version: "1.0.0")
        child.onEvent("test.*") { event, ctx in
            switch event.type {
            case "test.echo":
                return [Event(type: "test.echoed", source: ctx.identity.id, data: event.data)]
            case "test.fail":
                throw WireError(.internal, "asked to fail")
            case "test.store":
                try await ctx.storage.createContainer("t")
                let stored = try await ctx.storage.upsert(container: "t", document: Document(id: event.id, data: event.data))
                return [Event(type: "test.stored", source: ctx.identity.id, data: ["id": .string(stored.id)])]
            case "test.key":
                return [Event(type: "test.keyed", source: ctx.identity.id, data: ["idempotency_key": event.idempotencyKey.map(JSONValue.string) ?? .null])]
            case "test.emit":
                try await ctx.emit([Event(type: "test.emitted", source: ctx.identity.id, data: event.data)])
                return []
            default:
                return []
            }
        }
        child.function("echo") { input, _ in input }
        child.function("sleep") { input, _ in
            guard let ms = input["ms"]?.intValue, ms >= 0 else {
                throw WireError(.invalidArgument, "sleep input: field \"ms\": expected a non-negative integer, got \(input["ms"].map { "\($0)" } ?? "nothing")")
            }
            try await Task.sleep(for: .milliseconds(ms))
            return ["slept_ms": .int(ms)]
        }
        child.function("pid") { _, _ in ["pid": .int(Int(ProcessInfo.processInfo.processIdentifier))] }
        return child
    }
}
