import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

/// `lightning events ...`
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish events and inspect the bus: history, dead letters, orphans.",
        subcommands: [Emit.self, List.self, Tail.self, DeadLetters.self, Reprocess.self, Orphans.self, Drain.self, Stats.self]
    )

    struct Emit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish one event; prints its id once it is durable.", aliases: ["publish"])
        @OptionGroup var options: ClientOptions
        @Argument(help: "Event type, e.g. echo.request.") var type: String
        @Option(name: .long, help: "Event data as a JSON object.") var data: String = "{}"
        @Option(name: .long, help: "Source name.") var source: String = "cli"
        @Option(name: .long, help: "User id.") var user: String?
        @Option(name: .long, help: "Idempotency key (duplicates within the window are dropped).") var idempotencyKey: String?
        @Option(name: .long, help: "Correlation id.") var correlationId: String?
        @Option(name: .long, help: "Time to live in seconds.") var ttl: Int?
        @Option(name: .long, help: "Priority: low, normal, high, critical.") var priority: String = "normal"

        func run() async throws {
            let d = try parseJSONArgument(data, option: "--data")
            guard case .object = d else { throw ValidationError("--data: expected a JSON object, got \(d.typeDescription)") }
            guard Priority(rawValue: priority) != nil else { throw ValidationError("--priority: expected low, normal, high or critical, got \"\(priority)\"") }
            var event: [String: JSONValue] = ["type": .string(type), "data": d, "source": .string(source), "priority": .string(priority)]
            if let user { event["user_id"] = .string(user) }
            if let idempotencyKey { event["idempotency_key"] = .string(idempotencyKey) }
            if let correlationId { event["correlation_id"] = .string(correlationId) }
            if let ttl { event["ttl_seconds"] = .int(ttl) }
            let request = try typed(.object(event), as: Components.Schemas.PublishRequest.self, what: "the event")
            let r = try await options.client.call { try await $0.publishEvents(body: .json(request)) }
            if options.json { return Output.json(r) }
            for x in r["results"]?.arrayValue ?? [] {
                print("\(Output.text(x["status"])) \(Output.text(x["id"]))" + (x["duplicate_of"].map { " duplicate of \(Output.text($0))" } ?? ""))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show journaled events, newest first.", aliases: ["history"])
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "Only events with this correlation id.") var correlationId: String?
        @Option(name: .long, help: "Only these types (patterns allowed, repeatable).") var type: [String] = []
        @Option(name: .long, help: "At most this many.") var limit: Int = 50
        @Option(name: .long, help: "The next page: the token printed after the previous one (same filters).") var continuation: String?

        func run() async throws {
            let query = Operations.ListEvents.Input.Query(correlationId: correlationId, _type: type.isEmpty ? nil : type, limit: limit, continuation: continuation)
            let r = try await options.client.call { try await $0.listEvents(query: query) }
            if options.json { return Output.json(r) }
            printEvents(r["events"]?.arrayValue ?? [])
            if let next = r["continuation"]?.stringValue { print("more: --continuation \(next)") }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deadletters", abstract: "List dead-lettered deliveries.")
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "Only this subscription (driver:<name>).") var subscription: String?

        func run() async throws {
            let r = try await options.client.call { [subscription] in try await $0.listDeadLetters(query: .init(subscription: subscription)) }
            if options.json { return Output.json(r) }
            let rows = (r["dead_letters"]?.arrayValue ?? []).map { d in
                [Output.text(d["id"]), Output.text(d["subscription"]), Output.text(d["event"]?["type"]),
                 Output.text(d["attempts"]), Output.text(d["last_error"])]
            }
            Output.table(["ID", "SUBSCRIPTION", "TYPE", "ATTEMPTS", "LAST_ERROR"], rows)
        }
    }

    struct Reprocess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put dead letters back on their subscription.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Dead-letter ids.") var ids: [String]

        func run() async throws {
            let r = try await options.client.call { [ids] in try await $0.reprocessDeadLetters(body: .json(.init(ids: ids))) }
            print("reprocessed \(Output.text(r["count"]))")
        }
    }

    struct Orphans: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events no subscription accepted.")
        @OptionGroup var options: ClientOptions
        func run() async throws {
            let r = try await options.client.call { try await $0.listOrphans() }
            if options.json { return Output.json(r) }
            printEvents(r["events"]?.arrayValue ?? [])
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove orphans (optionally of some types) and print them.")
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "Only these types (patterns allowed, repeatable).") var type: [String] = []
        func run() async throws {
            let body = Components.Schemas.DrainRequest(types: type.isEmpty ? nil : type)
            let r = try await options.client.call { try await $0.drainOrphans(body: .json(body)) }
            if options.json { return Output.json(r) }
            printEvents(r["events"]?.arrayValue ?? [])
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the bus's counters.")
        @OptionGroup var options: ClientOptions
        func run() async throws { Output.json(try await options.client.call { try await $0.getBusStats() }) }
    }
}

func printEvents(_ events: [JSONValue]) {
    Output.table(["TIMESTAMP", "ID", "TYPE", "SOURCE", "CORRELATION"], events.map { e in
        [Output.text(e["timestamp"]), Output.text(e["id"]), Output.text(e["type"]), Output.text(e["source"]), Output.text(e["correlation_id"])]
    })
}
