import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol
import OpenAPIRuntime

/// `lightning providers swap KIND PLUGIN [--config FILE] [--copy]`: asks for the swap and follows
/// it until the daemon answers with its report, however long a copy takes.
///
/// ```
///  PUT /v1/providers/{kind}  (no client timeout) ───────────────▶ report on stdout, exit 0 (refused: exit 1)
///  GET /v1/events/stream (opened first) ─▶ provider.swap.started, provider.copy.progress ─▶ a line each on stderr
///  Ctrl-C ──▶ the swap goes on in the daemon; how to watch it on stderr, exit 130
/// ```
///
/// Rationale: the daemon still answers the `PUT` with the report when the swap ends (the API is
/// unchanged); what went is the client's fixed 60 s timeout, which reported "cannot reach the
/// daemon" while the daemon was still copying. The swap runs in the daemon's `ProviderManager`,
/// not in the request, so a client that goes away (Ctrl-C) does not stop it.
struct SwapProvider: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swap",
        abstract: "Swap the provider of a kind, make-before-break (docs/hot-swap.md).",
        discussion: """
            The new plugin is loaded, configured and health-checked first; on any failure the old one keeps serving and the \
            reason is printed (exit 1). The command waits for the swap to end, however long a copy takes, and prints the \
            copy's progress on stderr. Ctrl-C stops waiting, not the swap (exit 130): follow it with \
            `lightning events tail --type 'provider.*'` and `lightning providers`.
            """)
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
        let interrupt = InterruptHint(Self.interruptHint(kind: kind))
        defer { interrupt.end() }
        let client = options.client
        guard let swapKind = Operations.SwapProvider.Input.Path.KindPayload(rawValue: kind) else {
            throw ValidationError("kind: expected storage, eventbus, containers or functions, got \"\(kind)\"")
        }
        let request = try typed(.object(body), as: Components.Schemas.SwapRequest.self, what: "the swap request")
        let follow = !options.json
        let kind = kind
        let r = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            // The progress stream opens first (for at most 2 s), so the swap's first events are not
            // missed; both children end with the group: the stream is cancelled once the report is in.
            let (open, opened) = AsyncStream<Void>.makeStream()
            if follow { group.addTask { await Self.printProgress(client, kind: kind, opened: opened); return nil } } else { opened.finish() }
            group.addTask {
                await Self.first(of: open, within: .seconds(2))
                return try await client.call(timeout: DaemonClient.waitingTimeout) { try await $0.swapProvider(path: .init(kind: swapKind), body: .json(request)) }
            }
            defer { group.cancelAll() }
            while let answer = try await group.next() { if let answer { return answer } }
            throw ClientFailure(description: "PUT /v1/providers/\(kind): no answer")
        }
        if options.json { return Output.json(r) }
        print(Self.reportLines(kind: kind, r).joined(separator: "\n"))
    }

    /// What Ctrl-C prints: the swap goes on, and how to watch it.
    static func interruptHint(kind: String) -> String {
        """
        interrupted: the \(kind) swap goes on in the daemon (Ctrl-C stops only this command).
        Follow it with `lightning events tail --type 'provider.*'` (provider.swapped or provider.rolled_back ends it),
        and see what serves with `lightning providers`.
        """
    }

    /// The report as printed (one line per step that happened).
    static func reportLines(kind: String, _ r: JSONValue) -> [String] {
        var lines = ["swapped \(kind): \(Output.text(r["from"])) → \(Output.text(r["to"])) in \(String(format: "%.1f", r["total_ms"]?.doubleValue ?? 0)) ms (switch \(String(format: "%.3f", r["switch_ms"]?.doubleValue ?? 0)) ms)"]
        if let c = r["copied"], c != .null {
            let held = c["writes_held_ms"]?.doubleValue.map { String(format: "; writes held %.1f ms", $0) } ?? ""
            lines.append("copied \(Output.text(c["documents"])) documents in \(Output.text(c["containers"])) containers (verified \(Output.text(c["verified"]))\(held))")
        }
        if let f = r["forwarded"], f != .null { lines.append("forwarded \(Output.text(f)) pending deliveries; \(Output.text(r["subscriptions"])) subscriptions recreated") }
        // A forward that stopped early: the rest stays on the old bus, which the daemon keeps open.
        if let e = r["forward_error"]?.stringValue { lines.append("forwarding stopped: \(e); the rest stays on the old bus (kept open)") }
        return lines
    }

    /// One stderr line per `provider.swap.started` of `kind` and per `provider.copy.progress`
    /// event, until cancelled. `opened` is finished once the stream is open (or could not be
    /// opened). A stream that cannot be opened costs only these lines, never the swap.
    static func printProgress(_ client: DaemonClient, kind: String, opened: AsyncStream<Void>.Continuation) async {
        defer { opened.finish() }
        do {
            for try await message in try await client.eventStream(types: ["provider.swap.started", "provider.copy.progress"]) {
                opened.finish()
                guard let data = message.data, let e = try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8)) else { continue }
                let d = e["data"] ?? .null
                let line: String
                switch e["type"]?.stringValue {
                case "provider.swap.started":
                    guard d["kind"]?.stringValue == kind else { continue }
                    line = "swap of \(kind) under way (from \(Output.text(d["from"]))); Ctrl-C stops waiting, not the swap"
                default:
                    line = progressLine(d)
                }
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        } catch {}
    }

    /// Returns when `stream` yields or finishes, or after `limit`, whichever comes first.
    static func first(of stream: AsyncStream<Void>, within limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in stream { break } }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// `copying people (1/2): 2000 of 5000 documents so far`, from a `provider.copy.progress` event's data.
    static func progressLine(_ d: JSONValue) -> String {
        "copying \(Output.text(d["container"])) (\(Output.text(d["container_index"]))/\(Output.text(d["containers"]))): "
            + "\(Output.text(d["documents"])) documents\(d["container_done"] == .bool(true) ? ", done" : ""); "
            + "\(Output.text(d["total_documents"])) in all so far"
    }
}
