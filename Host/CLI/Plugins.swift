import ArgumentParser
import Foundation
import HostCore
import LightningAPIClient
import LightningProtocol
import Logging

/// `lightning plugins`: list (daemon), verify, pin, keygen and sign (offline).
struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, verify, pin, sign and test plugins.",
        subcommands: [List.self, Verify.self, Pin.self, Keygen.self, Sign.self, Test.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the daemon's manifests and what became of each.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let r = try await options.client.call { try await $0.listPlugins() }
            if options.json { return Output.json(r) }
            let rows = (r["plugins"]?.arrayValue ?? []).map { p in
                [Output.text(p["id"]), Output.text(p["kind"]), Output.text(p["provides"] ?? p["capabilities"]),
                 Output.text(p["version"]), Output.text(p["state"]), Output.text(p["error"])]
            }
            Output.table(["ID", "KIND", "PROVIDES", "VERSION", "STATE", "ERROR"], rows)
            // Drivers the daemon moved to the process tier after they crashed it (docs/reliability.md).
            for p in r["plugins"]?.arrayValue ?? [] {
                guard let reason = p["quarantined"]?.stringValue else { continue }
                print("\(Output.text(p["id"])): quarantined to the process isolation tier: \(reason)")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every manifest and its library offline, as the daemon would at start.",
            discussion: """
                Exits 1 when any manifest or library is refused; each problem names the file and field. \
                Each library is loaded in a `lightning plugin-host --probe` child, never in this process: \
                a library whose constructor crashes is refused with the signal.
                """
        )
        @Option(name: .long, help: "Manifests directory (repeatable: the shipped folder and your own, as the daemon reads them).") var manifests: [String] = ["manifests"]
        @Option(name: .long, help: "Extra folder to search for plugin libraries (repeatable).") var pluginDir: [String] = []
        @Option(name: .long, help: "Publisher public key file, or folder of *.pub files, to check signatures against (repeatable; as plugins.trusted_keys).") var trustedKeys: [String] = []
        @Flag(name: .long, help: "Refuse plugins that are unsigned, badly signed or signed by a key not given with --trusted-keys (as plugins.require_signature).") var requireSignature = false

        func run() async throws {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            let trust: TrustStore
            do { trust = try TrustStore.load(trustedKeys.map { URL(fileURLWithPath: $0) }) } catch let e as HostError { throw ValidationError(e.description) }
            let dirs = pluginDir.map { URL(fileURLWithPath: $0) } + [Self.executableDir]
            let scan = ManifestDirectory.scan(manifests.map { URL(fileURLWithPath: $0) })
            var failures = scan.errors.map(\.description)
            let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            for m in scan.manifests {
                if m.process != nil {
                    // An agent or function: its program must exist where the supervisor will look.
                    do {
                        let program = try Supervisor.program(of: m, programDirs: dirs)
                        print("ok      \(m.id) (\(m.kind.rawValue), no library) \(program)")
                    } catch { failures.append("\(error)") }
                    continue
                }
                guard let lib = m.library, m.libraryURL(pluginDirs: dirs) != nil else {
                    print("ok      \(m.id) (\(m.kind.rawValue), no library)"); continue
                }
                do {
                    // The checks the daemon makes (path, sha256, ABI in the manifest) ...
                    let spec = try LibrarySpec(manifest: m, pluginDirs: dirs)
                    // The signature, over the manifest's bytes and the library's sha256, before any of
                    // its code runs, as the daemon checks it (docs/plugin-abi.md#signed-plugins).
                    let signature = Sign.status(of: m, library: spec.url, trust: trust)
                    if let refusal = signature.refusal(subject: m.displayPath, required: requireSignature, trust: trust) {
                        failures.append(refusal.description); continue
                    }
                    // ... then the daemon's probe (docs/reliability.md#crash-containment): library code runs in a child.
                    let run = try Self.probe(me, ["plugin-host", "--probe", "--log-level", "critical", "--library", spec.url.path, "--id", m.id,
                                                  "--plugin-version", m.version.description, "--sha256", lib.sha256])
                    switch (run.signal, run.status) {
                    case (nil, 0):
                        let ok = run.output.split(separator: "\n").first { $0.hasPrefix("ok ") }.map { $0.dropFirst(3) } ?? "\(m.id)"
                        print("ok      \(ok) \(spec.url.path)")
                        print("        signature: \(signature)")
                    case (let s?, _):
                        failures.append("\(m.displayPath): library \(spec.url.path) crashed the probe child while loading (\(ExitStatus(signal: s)))")
                    case (nil, let code):
                        let why = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
                        failures.append(why.isEmpty ? "\(m.displayPath): the probe child exited with code \(code)" : why)
                    }
                } catch {
                    failures.append("\(error)")
                }
            }
            for f in failures { print("refused \(f)") }
            if !failures.isEmpty { throw ExitCode.failure }
        }

        /// Runs `exe args` to completion; how it ended and what it wrote (stdout and stderr on one
        /// pipe, read to its end before waiting, so a long crash report cannot block the child).
        static func probe(_ exe: URL, _ args: [String]) throws -> (status: Int32, signal: Int32?, output: String) {
            let p = Process()
            p.executableURL = exe
            p.arguments = args
            let out = Pipe()
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let o = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let signalled = p.terminationReason == .uncaughtSignal
            return (signalled ? -1 : p.terminationStatus, signalled ? p.terminationStatus : nil, String(decoding: o, as: UTF8.self))
        }

        static var executableDir: URL {
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        }
    }

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rewrite each manifest's library.sha256 to the library it resolves to (after a build).")
        @Option(name: .long, help: "Manifests directory (repeatable).") var manifests: [String] = ["manifests"]
        @Option(name: .long, help: "Extra folder to search for plugin libraries (repeatable).") var pluginDir: [String] = []
        @Option(name: .long, help: "Then sign every plugin manifest in the folders with this private key file (`lightning plugins sign`).") var signKey: String?

        func run() async throws {
            let dirs = pluginDir.map { URL(fileURLWithPath: $0) } + [Verify.executableDir]
            var changes: [ManifestPinner.Change] = [], problems: [String] = []
            for folder in manifests {
                let r = ManifestPinner.pin(manifestsIn: URL(fileURLWithPath: folder), pluginDirs: dirs)
                changes += r.changes; problems += r.problems
            }
            for c in changes { print("pinned  \(c.manifest)  \(c.new)") }
            if changes.isEmpty { print("all manifests already match their libraries") }
            if let signKey, problems.isEmpty {
                let key: SigningKey
                do { key = try SigningKey.read(from: URL(fileURLWithPath: signKey)) } catch let e as HostError { throw ValidationError(e.description) }
                for m in ManifestDirectory.scan(manifests.map { URL(fileURLWithPath: $0) }).manifests where m.library != nil {
                    do { print(try Sign.sign(m, key: key, pluginDirs: dirs)) } catch { problems.append("\(error)") }
                }
            }
            for p in problems { print("problem \(p)") }
            if !problems.isEmpty { throw ExitCode.failure }
        }
    }
}
