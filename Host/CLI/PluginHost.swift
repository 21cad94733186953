import ArgumentParser
import Foundation
import HostCore
import LightningProtocol
import Logging

/// `lightning plugin-host`: the child host of the `process` isolation tier. The daemon starts it
/// under its supervisor for a provider or driver whose manifest says `isolation: process`; it
/// speaks the child protocol on stdin/stdout (docs/protocol.md) and is not meant to be run by hand.
struct PluginHost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-host",
        abstract: "Host one plugin library in this process, serving the child protocol on stdin/stdout (started by the daemon).",
        discussion: """
            Started by the daemon for providers and drivers with `isolation: process` \
            (docs/plugin-abi.md#isolation-tiers). The library is checked as the daemon checks it \
            (sha256, ABI version, id and version), loaded at `initialize`, and created with the config \
            the daemon sends; every request is forwarded to the plugin's `call`.
            """,
        shouldDisplay: false
    )

    @Option(name: .long, help: "The plugin's manifest (id, version, sha256 pin).")
    var manifest: String?

    @Option(name: .long, help: "The plugin library (required without --manifest; overrides the manifest's path).")
    var library: String?

    @Option(name: .long, help: "Expected plugin id (overrides the manifest's).")
    var id: String?

    @Option(name: .customLong("plugin-version"), help: "Expected plugin version (overrides the manifest's).")
    var pluginVersion: String?

    @Option(name: .long, help: "Expected sha256 of the library (overrides the manifest's pin).")
    var sha256: String?

    @Option(name: .long, help: "Only check: load the library, create an instance with this JSON config, destroy it; exit 0 if it worked, else print why and exit 1.")
    var checkConfig: String?

    @Flag(name: .long, help: "Only load the library (dlopen, lt_plugin_entry, the loader's checks) and exit 0; a refusal prints why and exits 1 (the daemon's probe of a new library).")
    var probe = false

    @Option(name: .long, help: "Log level for stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if manifest == nil && library == nil { throw ValidationError("give --manifest PATH or --library PATH") }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level: expected trace, debug, info, notice, warning, error or critical, got \"\(logLevel)\"")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let options = PluginChildHost.Options(manifest: manifest.map { URL(fileURLWithPath: $0) }, library: library.map { URL(fileURLWithPath: $0) },
                                              id: id, version: pluginVersion, sha256: sha256)
        if probe {
            do {
                let p = try PluginChildHost.probe(options, logger: Logger(label: "lt.plugin-host"))
                print("ok \(p.id) \(p.version) ABI \(p.abiVersion >> 16).\(p.abiVersion & 0xffff)")
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode.failure
            }
            return
        }
        if let checkConfig {
            guard let config = try? JSONDecoder().decode(JSONValue.self, from: Data(checkConfig.utf8)) else {
                throw ValidationError("--check-config: expected a JSON object, got \(checkConfig.prefix(80))")
            }
            do {
                try await PluginChildHost.check(options, config: config, logger: Logger(label: "lt.plugin-host"))
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode.failure
            }
            return
        }
        let code = await PluginChildHost(options: options, logger: Logger(label: "lt.plugin-host")).run()
        if code != 0 { throw ExitCode(code) }
    }
}
