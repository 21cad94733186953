import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol
import OpenAPIRuntime

/// `lightning functions ...`
struct Functions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy, invoke and inspect functions (docs/functions.md).",
        subcommands: [Deploy.self, Invoke.self, List.self, Get.self, Delete.self, Logs.self, Invocations.self]
    )

    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deploy (or replace) a function from its manifest file.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Function manifest (JSON, kind \"function\").") var manifest: String

        func run() async throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: manifest)) } catch {
                throw ValidationError("\(manifest): cannot read: \(error.localizedDescription)")
            }
            let json = try parseJSONArgument(String(decoding: data, as: UTF8.self), option: manifest)
            let request = try typed(json, as: Components.Schemas.FunctionManifest.self, what: manifest)
            let r = try await options.client.call { try await $0.deployFunction(body: .json(request)) }
            if options.json { return Output.json(r) }
            print("deployed \(Output.text(r["name"])) \(Output.text(r["version"])) (handler \(Output.text(r["handler"])), max_concurrency \(Output.text(r["max_concurrency"])), timeout \(Output.text(r["timeout_ms"])) ms)")
        }
    }

    struct Invoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Invoke a function; prints its output (or the invocation id with --async).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Function name.") var name: String
        @Option(name: .long, help: "Input as JSON.") var input: String = "{}"
        @Flag(name: .long, help: "Do not wait: print the invocation id (the result is published as function.completed).") var async = false

        func run() async throws {
            let body = try parseJSONArgument(input, option: "--input")
            let input = try typed(body, as: OpenAPIValueContainer.self, what: "--input")
            let r = try await options.client.call { [name, async] in
                try await $0.invokeFunction(path: .init(name: name), query: .init(async: async ? true : nil), body: .json(input))
            }
            if options.json { return Output.json(r) }
            if async { print("running \(Output.text(r["invocation_id"]))"); return }
            Output.json(r["output"] ?? .null)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deployed functions with instances and counters.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let r = try await options.client.call { try await $0.listFunctions() }
            if options.json { return Output.json(r) }
            let rows = (r["functions"]?.arrayValue ?? []).map { f in
                [Output.text(f["name"]), Output.text(f["version"]), Output.text(f["instances"]), Output.text(f["busy"]),
                 Output.text(f["stats"]?["invocations"]), Output.text(f["stats"]?["failed"]), Output.text(f["stats"]?["cold_starts"]),
                 Output.text(f["stats"]?["cold_start_ms_avg"]), Output.text(f["triggers"])]
            }
            Output.table(["NAME", "VERSION", "INSTANCES", "BUSY", "INVOCATIONS", "FAILED", "COLD", "COLD_MS", "TRIGGERS"], rows)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one function.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Function name.") var name: String
        func run() async throws { Output.json(try await options.client.call { [name] in try await $0.getFunction(path: .init(name: name)) }) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a function and stop its instances.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Function name.") var name: String
        func run() async throws {
            _ = try await options.client.call { [name] in try await $0.deleteFunction(path: .init(name: name)) }
            print("deleted \(name)")
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the log lines of a function's instances.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Function name.") var name: String
        @Option(name: .long, help: "How many lines (1 to 1000).") var limit: Int = 200
        func run() async throws {
            let r = try await options.client.call { [name, limit] in try await $0.getFunctionLogs(path: .init(name: name), query: .init(limit: limit)) }
            if options.json { return Output.json(r) }
            for l in r["lines"]?.arrayValue ?? [] {
                print("\(Output.text(l["at"])) \(Output.text(l["instance"])) [\(Output.text(l["stream"]))] \(Output.text(l["text"]))")
            }
        }
    }

    struct Invocations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a function's recent invocations, the latest started first.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Function name.") var name: String
        @Option(name: .long, help: "How many (1 to 1000).") var limit: Int = 50
        func run() async throws {
            let r = try await options.client.call { [name, limit] in try await $0.listInvocations(path: .init(name: name), query: .init(limit: limit)) }
            if options.json { return Output.json(r) }
            let rows = (r["invocations"]?.arrayValue ?? []).map { i in
                [Output.text(i["started_at"]), Output.text(i["status"]), Output.text(i["duration_ms"]),
                 i["cold_start"]?.boolValue.map { $0 ? "cold" : "warm" } ?? "-", Output.text(i["instance"]), Output.text(i["invocation_id"])]
            }
            Output.table(["STARTED", "STATUS", "DURATION_MS", "START", "INSTANCE", "ID"], rows)
        }
    }
}
