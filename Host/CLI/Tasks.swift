import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

/// `lightning tasks ...` (docs/planner.md#tasks).
struct Tasks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, create, update and close tasks (docs/planner.md#tasks).",
        subcommands: [List.self, Get.self, Create.self, Update.self, Done.self, Cancel.self, Remove.self]
    )

    static func show(_ t: JSONValue) {
        print("\(Output.text(t["id"])) [\(Output.text(t["status"]))] \(Output.text(t["title"]))")
        for (label, key) in [("priority", "priority"), ("assignee", "assignee"), ("due", "due"), ("source", "source"), ("run", "run_id"),
                             ("instruction", "instruction"), ("description", "description")] where t[key] != nil && t[key] != .null {
            print("  \(label): \(Output.text(t[key]))")
        }
    }

    /// The update body from options (only those given).
    struct Fields: ParsableArguments {
        @Option(name: .long, help: "Title.") var title: String?
        @Option(name: .long, help: "Description (\"\" clears it).") var description: String?
        @Option(name: .long, help: "Who does it (\"\" clears it).") var assignee: String?
        @Option(name: .long, help: "Due time, RFC 3339 (e.g. 2026-12-24T17:00:00Z; \"\" clears it).") var due: String?
        @Option(name: .long, help: "low, medium or high.") var priority: String?
        @Option(name: .long, help: "open, in_progress, done or cancelled.") var status: String?

        var body: [String: JSONValue] {
            var b: [String: JSONValue] = [:]
            if let title { b["title"] = .string(title) }
            for (k, v) in [("description", description), ("assignee", assignee), ("due", due)] {
                if let v { b[k] = v.isEmpty ? .null : .string(v) }
            }
            if let priority { b["priority"] = .string(priority) }
            if let status { b["status"] = .string(status) }
            return b
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks, filtered; --all follows every page.")
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "open, in_progress, done or cancelled.") var status: String?
        @Option(name: .long, help: "Only this assignee's.") var assignee: String?
        @Option(name: .long, help: "low, medium or high.") var priority: String?
        @Option(name: .long, help: "api, plan_run or instruction.") var source: String?
        @Option(name: .long, help: "Tasks per page (1–1000).") var limit: Int = 100
        @Option(name: .long, help: "Continue after this page token.") var continuation: String?
        @Flag(name: .long, help: "Follow every page.") var all = false

        func run() async throws {
            let query = Operations.ListTasks.Input.Query(
                status: try status.map { try option($0, as: Components.Schemas.TaskStatus.self, "--status") }, assignee: assignee,
                priority: try priority.map { try option($0, as: Components.Schemas.TaskPriority.self, "--priority") },
                source: try source.map { try option($0, as: Operations.ListTasks.Input.Query.SourcePayload.self, "--source") }, limit: limit)
            var tasks: [JSONValue] = []
            var token = continuation
            var last: JSONValue = .null
            repeat {
                var page = query
                page.continuation = token
                let r = try await options.client.call { [page] in try await $0.listTasks(query: page) }
                tasks += r["tasks"]?.arrayValue ?? []
                token = r["continuation"]?.stringValue
                last = r
            } while all && token != nil
            if options.json { return Output.json(all ? ["tasks": .array(tasks)] : last) }
            Output.table(["ID", "STATUS", "PRIORITY", "ASSIGNEE", "DUE", "SOURCE", "TITLE"], tasks.map { t in
                [Output.text(t["id"]), Output.text(t["status"]), Output.text(t["priority"]), Output.text(t["assignee"]), Output.text(t["due"]),
                 Output.text(t["source"]), Output.text(t["title"])]
            })
            if let token, !all { print("more: --continuation \(token)") }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a task.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Task id.") var id: String

        func run() async throws {
            let r = try await options.client.call { [id] in try await $0.getTask(path: .init(id: id)) }
            if options.json { Output.json(r) } else { Tasks.show(r) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a task.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Title.") var title: String
        @Option(name: .long, help: "Description.") var description: String?
        @Option(name: .long, help: "Who does it.") var assignee: String?
        @Option(name: .long, help: "Due time, RFC 3339 (e.g. 2026-12-24T17:00:00Z).") var due: String?
        @Option(name: .long, help: "low, medium (default) or high.") var priority: String?

        func run() async throws {
            var b: [String: JSONValue] = ["title": .string(title)]
            for (k, v) in [("description", description), ("assignee", assignee), ("due", due), ("priority", priority)] {
                if let v { b[k] = .string(v) }
            }
            let request = try typed(.object(b), as: Components.Schemas.TaskInput.self, what: "the task")
            let r = try await options.client.call { try await $0.createTask(body: .json(request)) }
            if options.json { Output.json(r) } else { Tasks.show(r) }
        }
    }

    /// PATCH with the task's ETag unless --force: a task changed by someone else meanwhile is refused.
    static func patch(_ options: ClientOptions, _ id: String, _ body: [String: JSONValue], ifMatch: String?) async throws {
        guard !body.isEmpty else { throw ValidationError("nothing to change: give at least one of --title, --description, --assignee, --due, --priority, --status") }
        // The body as built: `null` clears a field, which the typed `TaskUpdate` (optionals) cannot
        // say; the typed value checks every other field against the document.
        let update = try typed(.object(body.filter { $0.value != .null }), as: Components.Schemas.TaskUpdate.self, what: "the update")
        let r = try await options.client.call(document: try Wire.encode(JSONValue.object(body))) {
            try await $0.updateTask(path: .init(id: id), headers: .init(ifMatch: ifMatch), body: .json(update))
        }
        if options.json { Output.json(r) } else { show(r) }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a task's fields or status.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Task id.") var id: String
        @OptionGroup var fields: Fields
        @Option(name: .long, help: "Only if the task's ETag is still this (else HTTP 412).") var ifMatch: String?

        func run() async throws { try await Tasks.patch(options, id, fields.body, ifMatch: ifMatch) }
    }

    struct Done: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a task done.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Task id.") var id: String

        func run() async throws { try await Tasks.patch(options, id, ["status": "done"], ifMatch: nil) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a task.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Task id.") var id: String

        func run() async throws { try await Tasks.patch(options, id, ["status": "cancelled"], ifMatch: nil) }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a task.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Task id.") var id: String

        func run() async throws {
            _ = try await options.client.call { [id] in try await $0.deleteTask(path: .init(id: id)) }
            if !options.json { print("deleted \(id)") }
        }
    }
}

/// `lightning instructions ...` (docs/planner.md#instructions).
struct Instructions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save, list, enable and disable instructions: actions the daemon takes when events match (docs/planner.md#instructions).",
        subcommands: [List.self, Get.self, Apply.self, Enable.self, Disable.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List instructions with their counts.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let r = try await options.client.call { try await $0.listInstructions() }
            if options.json { return Output.json(r) }
            Output.table(["NAME", "ENABLED", "EVENT", "ACTION", "EXECUTED", "LAST"], (r["instructions"]?.arrayValue ?? []).map { i in
                [Output.text(i["name"]), Output.text(i["enabled"]), Output.text(i["trigger"]?["event_type"]), Output.text(i["action"]?["type"]),
                 Output.text(i["execution_count"]), Output.text(i["last_executed_at"])]
            })
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an instruction.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Instruction name.") var name: String

        func run() async throws { Output.json(try await options.client.call { [name] in try await $0.getInstruction(path: .init(name: name)) }) }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save an instruction from a file (create, or replace the one of that name; its counts stay).")
        @OptionGroup var options: ClientOptions
        @Option(name: [.short, .long], help: "Instruction file (JSON), - for standard input.") var file: String
        @Option(name: .long, help: "Name; default: the file's \"name\", else the file name without extension.") var name: String?

        func run() async throws {
            let data = try Plans.read(file)
            let doc = (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null
            let name = self.name ?? doc["name"]?.stringValue ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            // Sent as written; the typed value checks the file against the document first.
            let input = try typed(doc, as: Components.Schemas.InstructionInput.self, what: file)
            let r = try await options.client.call(document: data) { try await $0.saveInstruction(path: .init(name: name), body: .json(input)) }
            if options.json { Output.json(r) } else { print("saved instruction \(Output.text(r["name"])) (\(r["enabled"] == .bool(true) ? "enabled" : "disabled"))") }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable an instruction.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Instruction name.") var name: String

        func run() async throws {
            let r = try await options.client.call { [name] in try await $0.enableInstruction(path: .init(name: name)) }
            if options.json { Output.json(r) } else { print("enabled \(name)") }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an instruction (kept, not evaluated).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Instruction name.") var name: String

        func run() async throws {
            let r = try await options.client.call { [name] in try await $0.disableInstruction(path: .init(name: name)) }
            if options.json { Output.json(r) } else { print("disabled \(name)") }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an instruction.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Instruction name.") var name: String

        func run() async throws {
            _ = try await options.client.call { [name] in try await $0.deleteInstruction(path: .init(name: name)) }
            if !options.json { print("deleted \(name)") }
        }
    }
}
