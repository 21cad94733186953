import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's health and its providers'.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r: JSONValue
        do { r = try await options.client.call(accepting: [503]) { try await $0.getHealth() } } catch let f as ClientFailure {
            print(f.description); throw ExitCode.failure
        }
        if options.json { return Output.json(r) }
        print("status \(Output.text(r["status"]))  version \(Output.text(r["version"]))  mode \(Output.text(r["mode"]))  uptime \(Output.text(r["uptime_seconds"]))s")
        let rows = (r["providers"]?.arrayValue ?? []).map { p in
            [Output.text(p["kind"]), Output.text(p["plugin"]), Output.text(p["health"]?["status"]),
             Output.text(p["health"]?["latency_ms"]), Output.text(p["health"]?["error"])]
        }
        Output.table(["KIND", "PLUGIN", "HEALTH", "LATENCY_MS", "ERROR"], rows)
        if let sb = r["sandbox"]?["profiles"]?.objectValue {
            let available = sb.keys.sorted().filter { sb[$0]?["available"] == true }
            print("sandbox profiles available: \(available.joined(separator: ", "))  (landlock ABI \(Output.text(r["sandbox"]?["landlock_abi"])))")
        }
        if r["status"] == "unhealthy" { throw ExitCode.failure }
    }
}

struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which plugin serves each provider kind, or swap one while the daemon runs.",
        subcommands: [ListProviders.self, SwapProvider.self], defaultSubcommand: ListProviders.self)
}

struct ListProviders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show which plugin serves each provider kind.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r = try await options.client.call { try await $0.listProviders() }
        if options.json { return Output.json(r) }
        let rows = (r["providers"]?.arrayValue ?? []).map { p in
            [Output.text(p["kind"]), Output.text(p["plugin"]), Output.text(p["version"]), Output.text(p["bound_at"]),
             Output.text(p["health"]?["status"])]
        }
        Output.table(["KIND", "PLUGIN", "VERSION", "SINCE", "HEALTH"], rows)
    }
}

struct Drivers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show drivers, their capabilities and counters.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r = try await options.client.call { try await $0.listDrivers() }
        if options.json { return Output.json(r) }
        let rows = (r["drivers"]?.arrayValue ?? []).map { d in
            [Output.text(d["name"]), Output.text(d["capabilities"]), Output.text(d["stats"]?["handled"]),
             Output.text(d["stats"]?["failed"]), Output.text(d["stats"]?["last_error"])]
        }
        Output.table(["NAME", "CAPABILITIES", "HANDLED", "FAILED", "LAST_ERROR"], rows)
    }
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's effective configuration (secrets redacted).")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let c = try await options.client.call { try await $0.getConfig() }
        if options.json { return Output.json(c) }
        // One line per setting: key, value (secrets redacted by the daemon), where it came from.
        let sources = c["sources"]?.objectValue ?? [:]
        var rows: [[String]] = []
        func add(_ key: String, _ value: JSONValue?) {
            let text: String
            switch value {
            case .object?, .array?: text = value.map { "\($0)" } ?? "-"
            default: text = Output.text(value)
            }
            rows.append([key, text, sources[key]?.stringValue ?? (key.hasPrefix("router.") ? "default" : "-")])
        }
        for key in ["mode", "host", "port", "data_dir", "manifests_dir", "extra_manifests", "plugin_dirs", "log_level", "sandbox_default", "cgroups", "drivers",
                    "auth", "api_command_dirs", "api_provider_paths", "context_keep_versions"] { add(key, c[key]) }
        for (kind, p) in (c["providers"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            // An alias shows what it resolved to: `sqlite-storage (alias local)`.
            if let alias = p["alias"]?.stringValue {
                rows.append(["providers.\(kind)", "\(Output.text(p["plugin"])) (alias \(alias))", sources["providers.\(kind)"]?.stringValue ?? "-"])
            } else {
                add("providers.\(kind)", p["plugin"])
            }
            if let cfg = p["config"], cfg != .object([:]) { rows.append(["providers.\(kind).config", "\(cfg)", sources["providers.\(kind)"]?.stringValue ?? "-"]) }
        }
        for (k, v) in (c["router"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) { add("router.\(k)", v) }
        for (id, v) in (c["plugin_config"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) { add("plugin_config.\(id)", v) }
        Output.table(["KEY", "VALUE", "SOURCE"], rows)
    }
}
