package import Foundation
import Hummingbird
package import LightningProtocol

extension APIServer {
    /// `POST /v1/events`, the hot path, registered by hand until its move is measured (issue 16);
    /// the other event operations are generated (`TypedAPI+Events.swift`).
    func addEventRoutes(_ router: Router<BasicRequestContext>) {
        // Publish: one event object, an array, or {"events": [...]}. 202 once durable.
        router.post("/v1/events") { request, _ in
            var req = request
            // `lt.*` metadata is the host's (hops, emitter): a client cannot set it.
            let events = try Self.events(from: try await req.bodyJSON()).map { e -> Event in
                var x = e
                x.metadata = x.metadata.filter { !$0.key.hasPrefix("lt.") }
                return x
            }
            guard !events.isEmpty else { throw WireError(.invalidArgument, "request body: expected at least one event") }
            guard events.count <= 1000 else { throw WireError(.invalidArgument, "request body: at most 1000 events per request, got \(events.count)") }
            let caller = Principal.current
            for (i, e) in events.enumerated() where !caller.mayPublish(e.type) {
                throw WireError(.permissionDenied,
                    "events[\(i)]: field \"type\": token \(caller.id) may publish \((caller.token?.events ?? []).joined(separator: ", ")) only, got \"\(e.type)\"")
            }
            let result = try await daemon.router.publish(events)
            return APIResponse.json(result, status: .accepted)
        }
    }

    /// Accepts `{...event}`, `[events]` or `{"events": [...]}`. The body is parsed once
    /// (`FastJSON`; Foundation for what it declines) and each event decoded from the parsed tree;
    /// an event that does not decode is decoded again by Foundation, whose message names what is
    /// wrong (`Wire.decode(_:fromParsed:what:)`).
    package static func events(from data: Data) throws -> [Event] {
        if let body = FastJSON.parse(data) { return try events(from: body) }
        return try events(from: Wire.decode(JSONValue.self, from: data, what: "request body"))
    }

    /// Accepts `{...event}`, `[events]` or `{"events": [...]}` as a parsed body.
    static func events(from body: JSONValue) throws -> [Event] {
        let list: [JSONValue]
        switch body {
        case .array(let a): list = a
        case .object(let o) where o["events"] != nil && o["type"] == nil:
            guard case .array(let a) = o["events"]! else {
                throw WireError(.invalidArgument, "request body: field \"events\": expected an array, got \(o["events"]!.typeDescription)")
            }
            list = a
        case .object: list = [body]
        default: throw WireError(.invalidArgument, "request body: expected an event object or an array of events, got \(body.typeDescription)")
        }
        return try list.enumerated().map { i, v in
            let what = list.count == 1 && !(body.arrayValue != nil) ? "event" : "events[\(i)]"
            return try Wire.decode(Event.self, fromParsed: v, what: what)
        }
    }
}
