import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningProtocol

extension Events {
    /// `lightning events tail`: follows `GET /v1/events/stream` (server-sent events).
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow events as the daemon accepts them (live; nothing from before).",
            discussion: "Prints one line per event (or one JSON object per line with --json) until interrupted or --count is reached.")
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "Only these types (patterns like user.* allowed, repeatable).") var type: [String] = []
        @Option(name: .long, help: "Exit after this many events.") var count: Int?

        func run() async throws {
            if let count, count < 1 { throw ValidationError("--count: expected a positive integer, got \(count)") }
            let query = type.isEmpty ? "" : "?" + type.map { "type=\(encode($0))" }.joined(separator: "&")
            guard let url = URL(string: options.client.base + "/v1/events/stream" + query) else {
                throw ClientFailure(description: "invalid daemon URL: \(options.client.base)")
            }
            var seen = 0
            let client = options.client
            for try await message in ServerSentEvents.stream(url, authorization: try client.authorization()?.header) {
                guard let data = message.data else { continue }
                if options.json {
                    print(data)
                } else {
                    let e = (try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))) ?? .null
                    print([Output.text(e["timestamp"]), Output.text(e["type"]), Output.text(e["id"]), Output.text(e["source"]),
                           e["data"].map { "\($0)" } ?? "{}"].joined(separator: "  "))
                }
                fflush(nil)
                seen += 1
                if let count, seen >= count { return }
            }
            throw ClientFailure(description: "the daemon closed the event stream")
        }
    }
}

/// A minimal server-sent-events reader over URLSession's streaming delegate (works with
/// swift-corelibs-foundation, which lacks `URLSession.bytes`).
enum ServerSentEvents {
    struct Message: Sendable {
        var id: String?
        var event: String?
        var data: String?
        /// The server's reconnection delay; the daemon sends it first, once it watches (the
        /// stream is open: nothing accepted from then on is missed).
        var retry: String?
    }

    static func stream(_ url: URL, authorization: String? = nil) -> AsyncThrowingStream<Message, any Error> {
        AsyncThrowingStream { continuation in
            let reader = Reader(continuation)
            let session = URLSession(configuration: .default, delegate: reader, delegateQueue: nil)
            var request = URLRequest(url: url)
            request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
            if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
            request.timeoutInterval = 24 * 3600
            let task = session.dataTask(with: request)
            continuation.onTermination = { _ in task.cancel(); session.invalidateAndCancel() }
            task.resume()
        }
    }

    /// Splits the byte stream into messages (blank-line separated; `field: value` lines).
    final class Reader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        // Called on the session's serial delegate queue only.
        private var buffer = Data()
        private var status = 0
        private let continuation: AsyncThrowingStream<Message, any Error>.Continuation

        init(_ c: AsyncThrowingStream<Message, any Error>.Continuation) { continuation = c }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            status = (response as? HTTPURLResponse)?.statusCode ?? 0
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            buffer.append(data)
            guard status == 200 else { return }
            while let range = buffer.range(of: Data("\n\n".utf8)) {
                let block = String(decoding: buffer[buffer.startIndex..<range.lowerBound], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex..<range.upperBound)
                var m = Message()
                for line in block.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix(":") {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    let value = parts.count > 1 ? String(parts[1].drop { $0 == " " }) : ""
                    switch parts.first {
                    case "id": m.id = value
                    case "event": m.event = value
                    case "data": m.data = (m.data.map { $0 + "\n" } ?? "") + value
                    case "retry": m.retry = value
                    default: break
                    }
                }
                if m.data != nil || m.event != nil || m.retry != nil { continuation.yield(m) }
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            if status != 200 && status != 0 {
                let body = String(decoding: buffer.prefix(500), as: UTF8.self)
                let msg = (try? JSONDecoder().decode(JSONValue.self, from: buffer))?["error"]?["message"]?.stringValue ?? body
                continuation.finish(throwing: ClientFailure(description: "\(msg) (HTTP \(status))"))
            } else if let error {
                continuation.finish(throwing: ClientFailure(description: "event stream: \(error.localizedDescription)"))
            } else {
                continuation.finish()
            }
        }
    }
}
