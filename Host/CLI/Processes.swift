import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

/// `lightning ps`: supervised children (agents, function instances).
struct Ps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List supervised processes: state, pid, restarts, uptime, last exit.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r = try await options.client.call { try await $0.listProcesses() }
        if options.json { return Output.json(r) }
        let rows = (r["processes"]?.arrayValue ?? []).map { p -> [String] in
            let uptime = p["uptime_seconds"]?.doubleValue.map { String(format: "%.1fs", $0) } ?? "-"
            let exit = p["last_exit"].map { e in Output.text(e["reason"]) } ?? "-"
            // Sandboxed: the program's own pid on the host / inside its pid namespace, next to the sandbox's.
            let program = p["program_pid"].map { "\(Output.text($0))/\(Output.text(p["program_pid_inside"]))" } ?? "-"
            return [Output.text(p["name"]), Output.text(p["kind"]), Output.text(p["state"]), Output.text(p["pid"]), program,
                    Output.text(p["restarts"]), uptime, Output.text(p["sandbox"]), Output.text(p["limits"]), exit]
        }
        Output.table(["NAME", "KIND", "STATE", "PID", "PROGRAM/INSIDE", "RESTARTS", "UPTIME", "SANDBOX", "LIMITS", "LAST EXIT"], rows)
    }
}

/// `lightning logs NAME`: the captured stderr and log notifications of a child.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the last log lines (stderr and log messages) of a supervised process.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Process name (see `lightning ps`).") var name: String
    @Option(name: .long, help: "How many lines (1 to 1000).") var limit: Int = 200

    func run() async throws {
        let r = try await options.client.call { [name, limit] in try await $0.getProcessLogs(path: .init(name: name), query: .init(limit: limit)) }
        if options.json { return Output.json(r) }
        for l in r["lines"]?.arrayValue ?? [] {
            print("\(Output.text(l["at"])) [\(Output.text(l["stream"]))] \(Output.text(l["text"]))")
        }
    }
}

/// `lightning restart NAME` / `stop` / `start`.
struct Restart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Restart a supervised process (graceful stop, then start); waits until ready.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Process name.") var name: String
    func run() async throws { try await control(options, name, "restart") }
}

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop a supervised process gracefully (it stays stopped).")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Process name.") var name: String
    func run() async throws { try await control(options, name, "stop") }
}

struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a stopped or failed supervised process; waits until ready.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Process name.") var name: String
    func run() async throws { try await control(options, name, "start") }
}

private func control(_ options: ClientOptions, _ name: String, _ action: String) async throws {
    let client = options.client
    let r: JSONValue
    switch action {
    case "restart": r = try await client.call { try await $0.restartProcess(path: .init(name: name)) }
    case "stop": r = try await client.call { try await $0.stopProcess(path: .init(name: name)) }
    default: r = try await client.call { try await $0.startProcess(path: .init(name: name)) }
    }
    if options.json { return Output.json(r) }
    print("\(Output.text(r["name"])) \(Output.text(r["state"])) pid \(Output.text(r["pid"])) restarts \(Output.text(r["restarts"]))")
}
