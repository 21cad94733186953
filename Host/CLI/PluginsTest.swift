import ArgumentParser
import Foundation
import HostCore
import LightningConformance
import LightningProtocol
import Logging

extension Plugins {
    /// `lightning plugins test MANIFEST`: the conformance kit (docs/plugin-abi.md#testing-a-plugin-lightning-plugins-test).
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the contract's conformance rules against a plugin (what a plugin author runs in CI).",
            discussion: """
                Loads the library a storage, eventbus, functions or containers provider or a driver manifest \
                names, with the loader's checks, \
                and runs every rule of its kind's contract against a fresh instance per rule (a fresh \
                data_dir each time), in-process and in the process tier. Prints one line per rule; \
                each failed rule names the documentation section it breaks. Exits 1 when a rule fails, \
                64 for bad input. The containers rules need --fixture image=REF (an image with sh, echo \
                and sleep, such as busybox); the functions rules invoke --fixture function=NAME \
                (default echo), a function that answers its input.
                """
        )
        @Argument(help: "The plugin's manifest (a storage, eventbus, functions or containers provider, or a driver).") var manifest: String
        @Option(name: .long, help: "Where to run it: in-process, process, or both.") var tier: TierChoice = .both
        @Option(name: .long, help: "Config JSON object, over the manifest's config.defaults (data_dir is added).") var config: String?
        @Option(name: .long, help: "Only the rules whose id starts with this (e.g. storage.etag).") var rule: String?
        @Option(name: .long, help: "Extra folder to search for the library (repeatable).") var pluginDir: [String] = []
        @Flag(name: .long, help: "Trust the library as built: take its sha256 from the file, not from the manifest.") var pin = false
        @Option(name: .long, help: "KEY=VALUE a rule needs from the provider's world (repeatable): image=REF for containers, function=NAME for functions.") var fixture: [String] = []
        @Flag(name: .long, help: "List the rules that would run and exit.") var list = false

        enum TierChoice: String, ExpressibleByArgument, CaseIterable {
            case inProcess = "in-process", process, both
        }

        func run() async throws {
            LoggingSystem.bootstrap { label in
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = .error
                return h
            }
            let m: Manifest
            do { m = try ManifestParser.parse(fileAt: URL(fileURLWithPath: manifest)) } catch {
                throw ValidationError("\(error)")
            }
            let kind: ConformanceRule.Kind
            switch (m.kind, m.provides) {
            case (.provider, .storage?): kind = .storage
            case (.provider, .eventbus?): kind = .eventbus
            case (.provider, .functions?): kind = .functions
            case (.provider, .containers?): kind = .containers
            case (.driver, _): kind = .driver
            default:
                throw ValidationError("\(m.displayPath): the kit tests storage, eventbus, functions and containers providers and drivers; this manifest is kind \(m.kind.rawValue)\(m.provides.map { " (provides \($0.rawValue))" } ?? "") (see docs/plugin-abi.md#testing-a-plugin-lightning-plugins-test)")
            }
            let rules = ConformanceRule.all(kind).filter { r in rule.map { r.id.hasPrefix($0) } ?? true }
            if rules.isEmpty { throw ValidationError("--rule \(rule ?? ""): no \(kind.rawValue) rule starts with it (try --list)") }
            if list {
                for r in rules { print("\(r.id)  \(r.summary)  [\(r.section)]") }
                return
            }
            var overrides: [String: JSONValue] = [:]
            if let config {
                guard let v = try? Wire.decode(JSONValue.self, from: Data(config.utf8), what: "--config"), let o = v.objectValue else {
                    throw ValidationError("--config: expected a JSON object, got \(config.prefix(80))")
                }
                overrides = o
            }
            var fixtures: [String: String] = [:]
            for f in fixture {
                guard let eq = f.firstIndex(of: "="), eq != f.startIndex else {
                    throw ValidationError("--fixture: expected KEY=VALUE, got \"\(f)\"")
                }
                fixtures[String(f[..<eq])] = String(f[f.index(after: eq)...])
            }
            if kind == .containers, fixtures["image"] == nil {
                throw ValidationError("--fixture image=REF: required for a containers provider (an image the runtime can run, with sh, echo and sleep, such as busybox)")
            }
            var spec: LibrarySpec
            do { spec = try LibrarySpec(manifest: m, pluginDirs: pluginDir.map { URL(fileURLWithPath: $0) } + [Plugins.Verify.executableDir]) } catch {
                throw ValidationError("\(error)")
            }
            if pin { spec.sha256 = nil }
            // The file and its pin, once, before any rule: a wrong pin is bad input, not 58 failed rules.
            do { _ = try spec.verifiedDigest() } catch { throw ValidationError("\(error)") }
            let lightning = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let tiers: [ConformanceTarget.Tier] = tier == .both ? [.inProcess, .process] : tier == .inProcess ? [.inProcess] : [.process]
            print("testing \(m.id) \(m.version) (\(kind.rawValue) contract, \(rules.count) rules) from \(spec.url.path)")
            var failed = 0
            for t in tiers {
                var target = ConformanceTarget.library(spec, tier: t, lightning: lightning, config: m.effectiveConfig(overrides))
                target.capabilities = m.capabilities
                target.fixtures = fixtures
                let results = await ConformanceRunner.run(rules, on: target) { r in
                    if r.passed {
                        print("ok    \(r.rule.id) [\(t.rawValue)]")
                    } else {
                        print("FAIL  \(r.rule.id) [\(t.rawValue)]: \(r.rule.summary)")
                        print("      breaks \(r.rule.section)")
                        for f in r.failures { print("      - \(f)") }
                    }
                }
                failed += results.filter { !$0.passed }.count
            }
            let total = rules.count * tiers.count
            print(failed == 0 ? "all \(total) rule runs passed" : "\(failed) of \(total) rule runs failed")
            if failed > 0 { throw ExitCode.failure }
        }
    }
}
