import Foundation
import Hummingbird
import LightningProtocol
import NIOCore

extension APIServer {
    /// `GET /v1/events/stream?type=<pattern>[&type=...]`: server-sent events of every event the
    /// daemon accepts from now on whose type matches (default `*`). Each message has `id` (the
    /// event id), `event` (the type) and `data` (the event JSON on one line). A comment line
    /// (`: heartbeat`) every `heartbeat_ms` (default 15000) keeps proxies from closing the
    /// connection; `: dropped N` tells a slow reader what it missed.
    func addStreamRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/events/stream") { request, _ in
            let patterns = request.queryList("type") ?? ["*"]
            for (i, p) in patterns.enumerated() where !EventPattern.isValidPattern(p) {
                throw WireError(.invalidArgument, "query parameter \"type\"[\(i)]: expected \"*\", a type, or a type followed by \".*\", got \"\(p)\"")
            }
            let heartbeatMs = try request.queryInt("heartbeat_ms", range: 100...300_000) ?? 15_000
            let watch = daemon.router.tap.watch(patterns: patterns)
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ": watching \(patterns.joined(separator: ","))\nretry: 2000\n\n"))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(heartbeatMs))
                            watch.heartbeat()
                        }
                    }
                    for await item in watch.items {
                        try await writer.write(ByteBuffer(string: Self.serverSentEvent(item)))
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok,
                            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: body)
        }
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
