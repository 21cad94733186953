import ArgumentParser
import Foundation
import LightningProtocol
import OpenAPIRuntime

extension Events {
    /// `lightning events tail`: follows `GET /v1/events/stream` (server-sent events, read from the
    /// generated client's streaming `HTTPBody`).
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow events as the daemon accepts them (live; nothing from before).",
            discussion: "Prints one line per event (or one JSON object per line with --json) until interrupted or --count is reached.")
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "Only these types (patterns like user.* allowed, repeatable).") var type: [String] = []
        @Option(name: .long, help: "Exit after this many events.") var count: Int?

        func run() async throws {
            if let count, count < 1 { throw ValidationError("--count: expected a positive integer, got \(count)") }
            var seen = 0
            for try await message in try await options.client.eventStream(types: type) {
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
