import ArgumentParser
import Foundation
import LightningProtocol

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's health and its providers'.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r: JSONValue
        do { r = try await options.client.get("/health", accepting: [503]) } catch let f as ClientFailure {
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
        let r = try await options.client.get("/v1/providers")
        if options.json { return Output.json(r) }
        let rows = (r["providers"]?.arrayValue ?? []).map { p in
            [Output.text(p["kind"]), Output.text(p["plugin"]), Output.text(p["version"]), Output.text(p["bound_at"]),
             Output.text(p["health"]?["status"])]
        }
        Output.table(["KIND", "PLUGIN", "VERSION", "SINCE", "HEALTH"], rows)
    }
}

/// `lightning providers swap KIND PLUGIN [--config FILE] [--copy]`
struct SwapProvider: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swap",
        abstract: "Swap the provider of a kind, make-before-break (docs/hot-swap.md).",
        discussion: "The new plugin is loaded, configured and health-checked first; on any failure the old one keeps serving and the reason is printed (exit 1).")
    @OptionGroup var options: ClientOptions
    @Argument(help: "storage, eventbus, containers or functions.") var kind: String
    @Argument(help: "Manifest id of the new provider (a new version may be a new manifest).") var plugin: String
    @Option(name: .long, help: "JSON file with the new provider's config overrides.") var config: String?
    @Flag(name: .long, help: "Storage: copy containers and documents from the old provider first.") var copy = false
    @Option(name: .long, help: "Milliseconds of health checks after the switch before the old provider is closed.") var probationMs: Int = 3000

    func run() async throws {
        var body: [String: JSONValue] = ["plugin": .string(plugin), "copy": .bool(copy), "probation_ms": .int(probationMs)]
        if let config {
            let text: String
            do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
                throw ValidationError("--config \(config): cannot read: \(error.localizedDescription)")
            }
            body["config"] = try parseJSONArgument(text, option: "--config \(config)")
        }
        // With --copy, the copy's progress events are printed on stderr while the swap runs.
        let progress: Task<Void, Never>? = copy && !options.json ? Task { await Self.printCopyProgress(base: options.client.base) } : nil
        defer { progress?.cancel() }
        let r = try await options.client.send("PUT", "/v1/providers/\(encodePath(kind))", body: try Wire.encode(JSONValue.object(body)))
        progress?.cancel()
        if options.json { return Output.json(r) }
        print("swapped \(kind): \(Output.text(r["from"])) → \(Output.text(r["to"])) in \(String(format: "%.1f", r["total_ms"]?.doubleValue ?? 0)) ms (switch \(String(format: "%.3f", r["switch_ms"]?.doubleValue ?? 0)) ms)")
        if let c = r["copied"], c != .null {
            let held = c["writes_held_ms"]?.doubleValue.map { String(format: "; writes held %.1f ms", $0) } ?? ""
            print("copied \(Output.text(c["documents"])) documents in \(Output.text(c["containers"])) containers (verified \(Output.text(c["verified"]))\(held))")
        }
        if let f = r["forwarded"], f != .null { print("forwarded \(Output.text(f)) pending deliveries; \(Output.text(r["subscriptions"])) subscriptions recreated") }
        // A forward that stopped early: the rest stays on the old bus, which the daemon keeps open.
        if let e = r["forward_error"]?.stringValue { print("forwarding stopped: \(e); the rest stays on the old bus (kept open)") }
    }
}

extension SwapProvider {
    /// Follows `provider.copy.progress` events until cancelled; a stream that cannot be opened
    /// only costs the progress lines, never the swap.
    static func printCopyProgress(base: String) async {
        guard let url = URL(string: base + "/v1/events/stream?type=provider.copy.progress") else { return }
        do {
            for try await message in ServerSentEvents.stream(url) {
                guard let data = message.data, let e = try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8)) else { continue }
                let d = e["data"] ?? .null
                FileHandle.standardError.write(Data("copying \(Output.text(d["container"])) (\(Output.text(d["container_index"]))/\(Output.text(d["containers"]))): \(Output.text(d["documents"])) documents\(d["container_done"] == .bool(true) ? ", done" : "")\n".utf8))
            }
        } catch {}
    }
}

struct Drivers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show drivers, their capabilities and counters.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r = try await options.client.get("/v1/drivers")
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
        let c = try await options.client.get("/v1/config")
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
        for key in ["mode", "host", "port", "data_dir", "manifests_dir", "plugin_dirs", "log_level", "sandbox_default", "drivers",
                    "auth", "api_command_dirs", "api_provider_paths"] { add(key, c[key]) }
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
