import Foundation
import LightningChildKit
import LightningProtocol

/// The well-behaved child every mode starts from.
///
/// Events (`test.*`): `test.echo` → `test.echoed` (same data); `test.fail` → WireError
/// internal "asked to fail"; `test.store` → creates container "t", upserts the event's data as
/// document <event id>, → `test.stored` {"id"}; `test.emit` → emits `test.emitted` (same data)
/// through the host, → nothing; `test.context.write` {"path", "content", "acl"?} → writes it through
/// the Context Hub, → `test.context.written` (the document); `test.context.search` {"q"} →
/// `test.context.found` {"total", "paths": ["owner:/path"]}; `test.effect` {"step"} → records its
/// effect under the event's idempotency key (`Effects.record`) and publishes `test.effected`
/// {"step", "key"} with that key (buses deliver one event per key), → `test.effect.done`
/// {"key", "deliveries"}; `test.effected` (delivered by the bus) → a document per event in container
/// `published` {"event_id", "step", "key"}, → nothing; `test.flaky` {"step"}: fails when the key names attempt 1 (`…/1`), else
/// as `test.effect`; both first wait `ms` (optional, at most 60000) ms. Functions: `echo` (output = input), `sleep` {"ms"} → {"slept_ms"}, `pid` →
/// {"pid"}, `effect` {"step"} → records its effect under the invocation's idempotency key, →
/// {"key", "deliveries"}.
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
            case "test.context.write":
                // The Context Hub through ChildKit's helper: {"path", "content", "acl"?} → the document.
                let acl = try event.data["acl"].map { try Wire.decode([ContextACLEntry].self, from: Wire.encode($0)) }
                var doc = try await ctx.contextHub.write(event.data["path"]?.stringValue ?? "", content: event.data["content"]?.stringValue ?? "", acl: acl)
                doc.content = nil
                return [Event(type: "test.context.written", source: ctx.identity.id, data: try Wire.decode(JSONValue.self, from: Wire.encode(doc)))]
            case "test.context.search":
                let r = try await ctx.contextHub.search(event.data["q"]?.stringValue ?? "")
                return [Event(type: "test.context.found", source: ctx.identity.id,
                              data: ["total": .int(r.total), "paths": .array(r.hits.map { .string("\($0.document.owner):\($0.document.path)") })])]
            case "test.key":
                return [Event(type: "test.keyed", source: ctx.identity.id, data: ["idempotency_key": event.idempotencyKey.map(JSONValue.string) ?? .null])]
            case "test.effect", "test.flaky":
                guard let key = event.idempotencyKey else { throw WireError(.invalidArgument, "\(event.type): the event has no idempotency_key") }
                if let ms = event.data["ms"]?.intValue, ms > 0 { try await Task.sleep(for: .milliseconds(min(ms, 60_000))) }  // a step that takes a while
                if event.type == "test.flaky" && key.hasSuffix("/1") { throw WireError(.internal, "test.flaky: attempt 1 fails by design (\(key))") }
                let step = event.data["step"]?.stringValue ?? ""
                let out = try await Effects.record(key: key, step: step, ctx)
                try await ctx.emit([Event(type: "test.effected", source: ctx.identity.id, data: ["step": .string(step), "key": .string(key)], idempotencyKey: key)])
                return [Event(type: "test.effect.done", source: ctx.identity.id, data: out)]
            case "test.effected":
                // Delivered by the bus: one document per event, so two events for one key show.
                _ = try await ctx.storage.createContainer("published")
                let id = String(event.id.map { $0.isLetter || $0.isNumber || "_-.".contains($0) ? $0 : "_" })
                _ = try await ctx.storage.upsert(container: "published", document: Document(id: id, data: [
                    "event_id": .string(event.id), "step": event.data["step"] ?? .null, "key": event.idempotencyKey.map(JSONValue.string) ?? .null]))
                return []
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
        child.function("effect") { input, ctx in
            guard let key = ctx.idempotencyKey else { throw WireError(.invalidArgument, "effect: the invocation has no idempotency_key") }
            return try await Effects.record(key: key, step: input["step"]?.stringValue ?? "", ctx)
        }
        child.function("pid") { _, _ in ["pid": .int(Int(ProcessInfo.processInfo.processIdentifier))] }
        return child
    }
}

/// The effects of `test.effect`, `test.flaky` and the `effect` function: one document per
/// idempotency key in the host's storage (container `effects`, id = the key with every character
/// other than letters, digits, `_`, `-` and `.` as `_`), `{"key", "step", "deliveries"}`, where
/// `deliveries` counts the requests that carried the key. The effect happens once per key; the
/// count shows how often it was asked for.
enum Effects {
    static func record(key: String, step: String, _ ctx: Context) async throws -> JSONValue {
        let id = String(key.map { $0.isLetter || $0.isNumber || "_-.".contains($0) ? $0 : "_" })
        _ = try await ctx.storage.createContainer("effects")
        var deliveries = 1
        do {
            let old = try await ctx.storage.read(container: "effects", id: id)
            deliveries = (old.data["deliveries"]?.intValue ?? 0) + 1
        } catch let e as WireError where e.code == .notFound {}
        let data: JSONValue = ["key": .string(key), "step": .string(step), "deliveries": .int(deliveries)]
        _ = try await ctx.storage.upsert(container: "effects", document: Document(id: id, data: data))
        return ["key": .string(key), "deliveries": .int(deliveries)]
    }
}
