import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

/// `lightning containers ...`: the containers provider (docs/containers.md).
struct Containers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run and inspect containers through the containers provider (docs/containers.md).",
        discussion: "Needs a containers provider: LIGHTNING_CONTAINER_RUNTIME=docker-containers locally, aci-containers on Azure.",
        subcommands: [Run.self, List.self, Get.self, Logs.self, Wait.self, Start.self, Stop.self, Remove.self, Pull.self, Import.self]
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a container and start it (with --no-start: only create).",
            discussion: "As with docker run, options go before NAME and IMAGE: everything after IMAGE is the command, dashes included.\nExample: lightning containers run --env WHO=you hello busybox:latest sh -c 'echo hi $WHO'")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Name: lower-case letters, digits and '-' (unique per runtime).") var name: String
        @Argument(help: "Image reference, e.g. busybox:latest.") var image: String
        @Argument(parsing: .captureForPassthrough, help: "Command and arguments (replace the image's).") var command: [String] = []
        @Option(name: [.short, .customLong("env")], help: "KEY=VALUE (repeatable).") var env: [String] = []
        @Option(name: [.short, .customLong("label")], help: "KEY=VALUE (repeatable).") var label: [String] = []
        @Option(name: .long, help: "CPU cores.") var cpu: Double?
        @Option(name: .customLong("memory-mb"), help: "Memory limit, MB.") var memoryMb: Int?
        @Option(name: .long, help: "Container port to expose (repeatable).") var port: [Int] = []
        @Option(name: .customLong("restart"), help: "never, on-failure or always.") var restartPolicy: String?
        @Flag(name: .customLong("no-start"), help: "Create only.") var noStart = false

        func run() async throws {
            var spec: [String: JSONValue] = ["name": .string(name), "image": .string(image), "start": .bool(!noStart)]
            if !command.isEmpty { spec["command"] = .array(command.map { .string($0) }) }
            if !env.isEmpty { spec["environment"] = .object(try pairs(env, option: "--env")) }
            if !label.isEmpty { spec["labels"] = .object(try pairs(label, option: "--label")) }
            if let cpu { spec["cpu"] = .double(cpu) }
            if let memoryMb { spec["memory_mb"] = .int(memoryMb) }
            if !port.isEmpty { spec["ports"] = .array(port.map { .int($0) }) }
            if let restartPolicy { spec["restart_policy"] = .string(restartPolicy) }
            let request = try typed(.object(spec), as: Components.Schemas.RuntimeContainerSpec.self, what: "the container spec")
            let r = try await options.client.call { try await $0.createRuntimeContainer(body: .json(request)) }
            if options.json { return Output.json(r) }
            print("\(Output.text(r["name"])) \(Output.text(r["state"])) (\(Output.text(r["image"])), id \(Output.text(r["runtime_id"])))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List this runtime's containers.")
        @OptionGroup var options: ClientOptions
        @Option(name: [.short, .customLong("label")], help: "Only containers with KEY=VALUE (repeatable; all must match).") var label: [String] = []

        func run() async throws {
            _ = try pairs(label, option: "--label")
            let r = try await options.client.call { [label] in try await $0.listRuntimeContainers(query: .init(label: label.isEmpty ? nil : label)) }
            if options.json { return Output.json(r) }
            let rows = (r["containers"]?.arrayValue ?? []).map { c in
                [Output.text(c["name"]), Output.text(c["state"]), Output.text(c["exit_code"]), Output.text(c["image"]),
                 Output.text(c["created_at"]), Output.text(c["detail"])]
            }
            Output.table(["NAME", "STATE", "EXIT", "IMAGE", "CREATED", "DETAIL"], rows)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one container.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Container name.") var name: String
        func run() async throws { Output.json(try await options.client.call { [name] in try await $0.getRuntimeContainer(path: .init(name: name)) }) }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a container's output: stdout, then stderr (on stderr).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Container name.") var name: String
        @Option(name: .long, help: "Only the last N lines.") var tail: Int?

        func run() async throws {
            if let tail, tail < 1 { throw ValidationError("--tail: expected a positive integer, got \(tail)") }
            let r = try await options.client.call { [name, tail] in try await $0.getRuntimeContainerLogs(path: .init(name: name), query: .init(tail: tail)) }
            if options.json { return Output.json(r) }
            FileHandle.standardOutput.write(Data((r["stdout"]?.stringValue ?? "").utf8))
            FileHandle.standardError.write(Data((r["stderr"]?.stringValue ?? "").utf8))
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait until a container stops; exits with its exit code.",
            discussion: "Exit codes above 255 (or negative ones) are reported as 1.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Container name.") var name: String
        @Option(name: .customLong("timeout"), help: "Give up after this many seconds (1–86400).") var timeoutSeconds: Int = 60

        func run() async throws {
            guard (1...86_400).contains(timeoutSeconds) else { throw ValidationError("--timeout: expected 1 to 86400 seconds, got \(timeoutSeconds)") }
            let r = try await options.client.call { [name, timeoutSeconds] in try await $0.waitRuntimeContainer(path: .init(name: name), query: .init(timeoutSeconds: timeoutSeconds)) }
            if options.json { Output.json(r) } else { print("\(name) \(Output.text(r["state"])) (exit \(Output.text(r["exit_code"])))") }
            let code = r["exit_code"]?.intValue ?? 1
            if code != 0 { throw ExitCode((0...255).contains(code) ? Int32(code) : 1) }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a created or stopped container.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Container name.") var name: String
        func run() async throws {
            let r = try await options.client.call { [name] in try await $0.startRuntimeContainer(path: .init(name: name)) }
            if options.json { return Output.json(r) }
            print("\(name) \(Output.text(r["state"]))")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a container (SIGTERM, then SIGKILL after the timeout).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Container name.") var name: String
        @Option(name: .customLong("timeout"), help: "Seconds between SIGTERM and SIGKILL (0–3600).") var timeoutSeconds: Int = 10
        func run() async throws {
            guard (0...3600).contains(timeoutSeconds) else { throw ValidationError("--timeout: expected 0 to 3600 seconds, got \(timeoutSeconds)") }
            let r = try await options.client.call { [name, timeoutSeconds] in try await $0.stopRuntimeContainer(path: .init(name: name), query: .init(timeoutSeconds: timeoutSeconds)) }
            if options.json { return Output.json(r) }
            print("\(name) \(Output.text(r["state"]))")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a container.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Container name.") var name: String
        @Flag(name: .shortAndLong, help: "Remove it even when it is running.") var force = false
        func run() async throws {
            _ = try await options.client.call { [name, force] in try await $0.deleteRuntimeContainer(path: .init(name: name), query: .init(force: force ? true : nil)) }
            print("removed \(name)")
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull an image into the runtime.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Image reference.") var image: String
        func run() async throws {
            let r = try await options.client.call { [image] in try await $0.pullImage(body: .json(.init(image: image))) }
            if options.json { return Output.json(r) }
            print("pulled \(Output.text(r["image"])) (\(Output.text(r["id"])))")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a root-filesystem tarball (a path on the daemon's machine) as an image.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Tarball path, as the daemon sees it.") var source: String
        @Argument(help: "Image reference to give it, e.g. localhost/busybox:1.") var image: String
        func run() async throws {
            let path = source.hasPrefix("/") ? source : FileManager.default.currentDirectoryPath + "/" + source
            let r = try await options.client.call { [image] in try await $0.importImage(body: .json(.init(image: image, source: path))) }
            if options.json { return Output.json(r) }
            print("imported \(Output.text(r["image"])) (\(Output.text(r["id"])))")
        }
    }
}

/// `KEY=VALUE` options as an object; a value may contain `=`.
private func pairs(_ items: [String], option: String) throws -> [String: JSONValue] {
    var out: [String: JSONValue] = [:]
    for item in items {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("\(option): expected KEY=VALUE, got \"\(item)\"")
        }
        out[String(item[..<eq])] = .string(String(item[item.index(after: eq)...]))
    }
    return out
}
