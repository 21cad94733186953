import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `GET /v1/events/stream?type=<pattern>[&type=...]`: server-sent events of every event the
/// daemon accepts from now on whose type matches (default `*`). Each message has `id` (the
/// event id), `event` (the type) and `data` (the event JSON on one line). A comment line
/// (`: heartbeat`) every `heartbeat_ms` (default 15000) keeps proxies from closing the
/// connection and finds a gone client; `: dropped N` tells a slow reader what it missed.
///
/// The body is an `HTTPBody` the transport pulls as it writes: a reader that falls behind
/// leaves events in its tap's bounded buffer, which drops the oldest and says how many
/// (`EventTap`), so a slow client never slows publishing. The heartbeats come from the tap's
/// one timer (`EventTap.runHeartbeats`, in the router's task group), not a task per stream.
extension TypedAPI {
    func streamEvents(_ input: Operations.StreamEvents.Input) async throws -> Operations.StreamEvents.Output {
        let patterns = Self.patterns(input.query._type) ?? ["*"]
        for (i, p) in patterns.enumerated() where !EventPattern.isValidPattern(p) {
            throw WireError(.invalidArgument, "query parameter \"type\"[\(i)]: expected \"*\", a type, or a type followed by \".*\", got \"\(p)\"")
        }
        let heartbeat = Duration.milliseconds(input.query.heartbeatMs ?? 15_000)
        let watch = daemon.router.tap.watch(patterns: patterns, heartbeat: heartbeat)
        let opening = ": watching \(patterns.joined(separator: ","))\nretry: 2000\n\n"
        let messages = ServerSentEvents(opening: opening, items: watch.items)
        return .ok(.init(headers: .init(cacheControl: "no-cache"),
                         body: .textEventStream(HTTPBody(messages, length: .unknown, iterationBehavior: .single))))
    }

    /// One SSE message. The event JSON is compact, so it never contains a raw newline.
    static func serverSentEvent(_ item: EventTap.Item) -> String {
        switch item {
        case .event(let e):
            let json = (try? Wire.encode(e)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return "id: \(e.id)\nevent: \(e.type)\ndata: \(json)\n\n"
        case .dropped(let n):
            return ": dropped \(n) events (reader too slow)\n\n"
        case .heartbeat:
            return ": heartbeat\n\n"
        }
    }
}

/// The stream's bytes: the opening comment, then one message per tap item. Ends when the tap
/// closes (daemon shutdown); dropping it (the client went away) ends the watch.
struct ServerSentEvents: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let opening: String
    let items: AsyncStream<EventTap.Item>

    struct AsyncIterator: AsyncIteratorProtocol {
        var opening: String?
        var items: AsyncStream<EventTap.Item>.AsyncIterator

        mutating func next() async -> ArraySlice<UInt8>? {
            if let first = opening {
                opening = nil
                return ArraySlice(first.utf8)
            }
            guard let item = await items.next() else { return nil }
            return ArraySlice(TypedAPI.serverSentEvent(item).utf8)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(opening: opening, items: items.makeAsyncIterator())
    }
}
