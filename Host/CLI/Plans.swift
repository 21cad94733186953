import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

/// `lightning plans ...` and `lightning actions` (docs/planner.md).
struct Plans: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate, save, read and generate plans (docs/planner.md); `lightning runs` runs them.",
        subcommands: [Validate.self, Apply.self, List.self, Get.self, Delete.self, Generate.self, Critique.self]
    )

    /// Reads a plan file (`-` for standard input).
    static func read(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("\(path): cannot read: \(error.localizedDescription)")
        }
    }

    /// A plan file as the generated `Plan` it is sent as. The file goes to the daemon as written
    /// (`DaemonClient.call(document:)`), which reports every problem of it, structural ones
    /// included; a file that does not parse as a `Plan` is carried by an empty one.
    static func carrier(_ data: Data) -> Components.Schemas.Plan {
        let json = (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null
        return (try? typed(json, as: Components.Schemas.Plan.self, what: "plan")) ?? .init(name: "", graphType: .acyclic, events: [], steps: [])
    }

    /// Prints every problem as `PATH: MESSAGE [RULE]`.
    static func printProblems(_ r: JSONValue, file: String) {
        for p in r["problems"]?.arrayValue ?? [] {
            FileHandle.standardError.write(Data("\(file): \(Output.text(p["path"])): \(Output.text(p["message"])) [\(Output.text(p["rule"]))]\n".utf8))
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a plan against the daemon's loaded actions; prints every problem (exit 1) or \"valid\".")
        @OptionGroup var options: ClientOptions
        @Option(name: [.short, .long], help: "Plan file (JSON), - for standard input.") var file: String

        func run() async throws {
            let data = try Plans.read(file)
            let plan = Plans.carrier(data)
            let r = try await options.client.call(document: data) { try await $0.validatePlan(body: .json(plan)) }
            if options.json { Output.json(r) } else if r["valid"] == .bool(true) {
                print("\(file): valid (\((r["plan"]?["steps"]?.arrayValue ?? []).count) steps)")
            } else {
                Plans.printProblems(r, file: file)
            }
            if r["valid"] != .bool(true) { throw ExitCode.failure }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate and save a plan as the next version of ID.")
        @OptionGroup var options: ClientOptions
        @Option(name: [.short, .long], help: "Plan file (JSON), - for standard input.") var file: String
        @Option(name: .long, help: "Plan id (lowercase letters, digits, '-', '_', '.'); default: the file name without extension.") var id: String?

        func run() async throws {
            let id = self.id ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let data = try Plans.read(file)
            let plan = Plans.carrier(data)
            let r = try await options.client.call(accepting: [422], document: data) { try await $0.savePlan(path: .init(id: id), body: .json(plan)) }
            if options.json { Output.json(r) } else if r["version"] != nil {
                print("saved \(Output.text(r["id"])) version \(Output.text(r["version"]))")
            } else {
                Plans.printProblems(r, file: file)
                FileHandle.standardError.write(Data("\(Output.text(r["error"]?["message"]))\n".utf8))
            }
            if r["version"] == nil { throw ExitCode.failure }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans (current versions).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let r = try await options.client.call { try await $0.listPlans() }
            if options.json { return Output.json(r) }
            let rows = (r["plans"]?.arrayValue ?? []).map { p in
                [Output.text(p["id"]), Output.text(p["version"]), Output.text(p["plan"]?["graph_type"]),
                 "\((p["plan"]?["steps"]?.arrayValue ?? []).count)", Output.text(p["saved_at"]), Output.text(p["plan"]?["name"])]
            }
            Output.table(["ID", "VERSION", "GRAPH", "STEPS", "SAVED", "NAME"], rows)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a plan (the current version, or --version N).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Plan id.") var id: String
        @Option(name: .long, help: "A version number.") var version: Int?

        func run() async throws {
            let r = try await options.client.call { [id, version] in try await $0.getPlan(path: .init(id: id), query: .init(version: version)) }
            Output.json(options.json ? r : (r["plan"] ?? .null))
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a plan (its versions stay readable with --version).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Plan id.") var id: String

        func run() async throws {
            _ = try await options.client.call { [id] in try await $0.deletePlan(path: .init(id: id)) }
            if !options.json { print("deleted \(id)") }
        }
    }
}

extension Plans {
    /// Prints a generation's answer: the plan (or where it was saved), or every problem (exit 1).
    static func showGenerated(_ r: JSONValue, options: ClientOptions, output: String?) throws {
        if options.json { Output.json(r) } else if r["valid"] == .bool(true) {
            if let output {
                do { try Wire.encode(r["plan"] ?? .null).write(to: URL(fileURLWithPath: output)) } catch {
                    throw ValidationError("\(output): cannot write: \(error.localizedDescription)")
                }
                print("wrote \(output) (\(Output.text(r["attempts"])) attempt(s), model \(Output.text(r["model"])))")
            } else {
                Output.json(r["plan"] ?? .null)
            }
            if let saved = r["saved"], saved != .null { print("saved \(Output.text(saved["id"])) version \(Output.text(saved["version"]))") }
        } else {
            printProblems(r, file: "generated plan")
            FileHandle.standardError.write(Data("\(Output.text(r["error"]?["message"]))\n".utf8))
        }
        if r["valid"] != .bool(true) { throw ExitCode.failure }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the planner agent for a plan from a description (docs/planner.md#generating-plans); prints it, or every problem of the last attempt (exit 1).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "What the plan should do.") var description: String
        @Option(name: .long, help: "acyclic or reactive.") var graphType: String?
        @Option(name: .long, help: "Answers the model may give (1–20; default: the agent's, 4).") var maxAttempts: Int?
        @Option(name: [.short, .long], help: "Write the plan to this file instead of printing it.") var output: String?
        @Option(name: .long, help: "Save the plan under this id when it is valid.") var save: String?

        func run() async throws {
            let body = Operations.GeneratePlan.Input.Body.JsonPayload(
                description: description,
                graphType: try graphType.map { try option($0, as: Operations.GeneratePlan.Input.Body.JsonPayload.GraphTypePayload.self, "--graph-type") },
                maxAttempts: maxAttempts)
            var r = try await options.client.call(accepting: [422], timeout: 600) { try await $0.generatePlan(body: .json(body)) }
            if let save, r["valid"] == .bool(true), let plan = r["plan"] {
                let data = try Wire.encode(plan)
                let typedPlan = Plans.carrier(data)
                let saved = try await options.client.call(document: data) { try await $0.savePlan(path: .init(id: save), body: .json(typedPlan)) }
                r = .object((r.objectValue ?? [:]).merging(["saved": saved]) { _, n in n })
            }
            try Plans.showGenerated(r, options: options, output: output)
        }
    }

    struct Critique: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the planner agent to revise a saved plan per a critique; --save stores the revision as the next version.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Plan id.") var id: String
        @Argument(help: "What to change.") var critique: String
        @Flag(name: .long, help: "Save the revised plan as the plan's next version.") var save = false
        @Option(name: [.short, .long], help: "Write the revised plan to this file instead of printing it.") var output: String?

        func run() async throws {
            let r = try await options.client.call(accepting: [422], timeout: 600) { [id, critique, save] in
                try await $0.critiquePlan(path: .init(id: id), body: .json(.init(critique: critique, save: save)))
            }
            try Plans.showGenerated(r, options: options, output: output)
        }
    }
}

/// `lightning actions`: what plans may use.
struct Actions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the actions plans may use: declared in the manifests of loaded drivers, running agents and deployed functions.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r = try await options.client.call { try await $0.listActions() }
        if options.json { return Output.json(r) }
        let rows = (r["actions"]?.arrayValue ?? []).map { a in
            [Output.text(a["name"]), Output.text(a["provided_by"]),
             (a["required_args"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",").ifEmpty("-")]
        }
        Output.table(["ACTION", "PROVIDED BY", "REQUIRED ARGS"], rows)
    }
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}

/// `lightning runs ...`: plan runs (docs/planner.md#runs).
struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start, list, inspect, watch and cancel plan runs (docs/planner.md#runs).",
        subcommands: [Start.self, List.self, Get.self, Watch.self, Cancel.self]
    )

    static func show(_ r: JSONValue) {
        print("\(Output.text(r["run_id"])) plan \(Output.text(r["plan"])) v\(Output.text(r["version"])): \(Output.text(r["status"]))\(r["reason"].map { " (\(Output.text($0)))" } ?? "")")
        for s in r["steps"]?.arrayValue ?? [] {
            print("  #\(Output.text(s["firing"])) \(Output.text(s["step"])): \(Output.text(s["state"])) (attempt \(Output.text(s["attempt"])))\(s["error"].map { ": \(Output.text($0))" } ?? "")")
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a run of a plan (its current version).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Plan id.") var plan: String
        @Option(name: .long, help: "The external event that starts it (default: the plan's first manual or webhook event).") var event: String?
        @Option(name: .long, help: "The start event's data, as JSON.") var data: String = "{}"

        func run() async throws {
            var body: [String: JSONValue] = ["data": try parseJSONArgument(data, option: "--data")]
            if let event { body["event"] = .string(event) }
            let request = try typed(.object(body), as: Operations.StartRun.Input.Body.JsonPayload.self, what: "the run request")
            let r = try await options.client.call { [plan] in try await $0.startRun(path: .init(id: plan), body: .json(request)) }
            if options.json { Output.json(r) } else { Runs.show(r) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runs of a plan.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Plan id.") var plan: String

        func run() async throws {
            let r = try await options.client.call { [plan] in try await $0.listRuns(path: .init(id: plan)) }
            if options.json { return Output.json(r) }
            let rows = (r["runs"]?.arrayValue ?? []).map { x in
                [Output.text(x["run_id"]), Output.text(x["version"]), Output.text(x["status"]), "\((x["steps"]?.arrayValue ?? []).count)", Output.text(x["reason"])]
            }
            Output.table(["RUN", "VERSION", "STATUS", "STEPS", "REASON"], rows)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run: status, steps, reason.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Run id.") var id: String

        func run() async throws {
            let r = try await options.client.call { [id] in try await $0.getRun(path: .init(id: id)) }
            if options.json { Output.json(r) } else { Runs.show(r) }
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a run's steps until it ends; exit 0 when it completed, 1 when it failed, 2 when it was cancelled.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Run id.") var id: String
        @Option(name: .long, help: "Give up after this many seconds (exit 3); default: wait as long as the run takes.") var timeout: Double?

        func run() async throws {
            let deadline = timeout.map { Date().addingTimeInterval($0) }
            var seen: [String: String] = [:]  // firing → "state attempt"
            var printedHeader = false
            while true {
                let r = try await options.client.call { [id] in try await $0.getRun(path: .init(id: id)) }
                if !printedHeader {
                    print("\(Output.text(r["run_id"])) plan \(Output.text(r["plan"])) v\(Output.text(r["version"]))")
                    printedHeader = true
                }
                for s in r["steps"]?.arrayValue ?? [] {
                    let key = Output.text(s["firing"])
                    let now = "\(Output.text(s["state"])) \(Output.text(s["attempt"]))"
                    guard seen[key] != now else { continue }
                    seen[key] = now
                    print("  #\(key) \(Output.text(s["step"])): \(Output.text(s["state"])) (attempt \(Output.text(s["attempt"])))\(s["error"].map { ": \(Output.text($0))" } ?? "")")
                }
                let status = r["status"]?.stringValue ?? ""
                if status != "running" {
                    print("\(status)\(r["reason"].map { ": \(Output.text($0))" } ?? "")")
                    switch status {
                    case "completed": return
                    case "cancelled": throw ExitCode(2)
                    default: throw ExitCode.failure
                    }
                }
                if let deadline, Date() > deadline {
                    FileHandle.standardError.write(Data("run \(id) still running after \(timeout ?? 0) s\n".utf8))
                    throw ExitCode(3)
                }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a running run.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Run id.") var id: String

        func run() async throws {
            let r = try await options.client.call { [id] in try await $0.cancelRun(path: .init(id: id)) }
            if options.json { Output.json(r) } else { Runs.show(r) }
        }
    }
}

/// `lightning schedules`: the time events of saved plans and when they fire next.
struct Schedules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the schedules of saved plans (time.cron, time.interval) with their next fire times.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r = try await options.client.call { try await $0.listSchedules() }
        if options.json { return Output.json(r) }
        let rows = (r["schedules"]?.arrayValue ?? []).map { s in
            [Output.text(s["id"]), Output.text(s["kind"]), Output.text(s["expression"]), Output.text(s["next_fire_at"]),
             Output.text(s["last_fired_at"]), Output.text(s["fired"]), Output.text(s["misfire"])]
        }
        Output.table(["SCHEDULE", "KIND", "EXPRESSION", "NEXT", "LAST", "FIRED", "MISFIRE"], rows)
    }
}
