import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LightningChildKit
import LightningPlanner
import LightningProtocol

/// `lightning planner-agent` (hidden): the planner agent (docs/planner.md#generating-plans), a
/// supervised child the daemon starts from `manifests/planner-agent.json`, so plan generation
/// ships inside the one `lightning` binary. It speaks the child protocol (LightningChildKit) and
/// any OpenAI-compatible chat-completions endpoint: `planner.generate` → the conversation of
/// `PlanGeneration` (validate each answer, send the problems back as a critic message, retry up to
/// `max_attempts`) → `planner.result`.
///
/// Config (the manifest's schema; each also from an environment variable): `base_url`
/// (`LIGHTNING_PLANNER_BASE_URL`, e.g. `https://api.openai.com/v1`), `model`
/// (`LIGHTNING_PLANNER_MODEL`), `api_key` (`LIGHTNING_PLANNER_API_KEY`, a secret: redacted in
/// `/v1/config`, never logged), `max_attempts` (default 4), `timeout_ms` (per request, default 60000).
struct PlannerAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "planner-agent", abstract: "Run the planner agent (a child of `lightning serve`; not for direct use).", shouldDisplay: false)

    func run() async throws {
        let child = Child(name: "planner-agent", version: "1.0.0")
        child.onEvent("planner.*") { event, ctx in
            guard event.type == "planner.generate" else { return [] }
            let result = try await PlannerAgent.generate(event.data, config: ctx.config) { ctx.log(.info, $0) }
            return [Event(type: "planner.result", source: ctx.identity.id, data: result, correlationId: event.id)]
        }
        await child.run()
    }

    /// One `planner.generate`: `{description, graph_type?, plan?, critique?, max_attempts?, actions}`
    /// → `{valid, plan?, problems, attempts, model}`.
    /// - Throws: `WireError(.unavailable)` naming the missing setting or the endpoint's failure;
    ///   `.invalidArgument` for a malformed request.
    static func generate(_ data: JSONValue, config: JSONValue, log: @Sendable (String) -> Void) async throws -> JSONValue {
        guard let base = config["base_url"]?.stringValue, !base.isEmpty else {
            throw WireError(.unavailable, "planner-agent: setting \"base_url\" is not set (an OpenAI-compatible chat-completions URL such as https://api.openai.com/v1: environment variable LIGHTNING_PLANNER_BASE_URL, or plugin_config.planner-agent.base_url)")
        }
        guard let model = config["model"]?.stringValue, !model.isEmpty else {
            throw WireError(.unavailable, "planner-agent: setting \"model\" is not set (environment variable LIGHTNING_PLANNER_MODEL, or plugin_config.planner-agent.model)")
        }
        let key = config["api_key"]?.stringValue
        let timeout = Double(config["timeout_ms"]?.intValue ?? 60_000) / 1000
        let actions = try Wire.decode([ActionCatalog.Action].self, from: Wire.encode(data["actions"] ?? .array([])), what: "planner.generate: field \"actions\"")
        var plan: Plan?
        if let p = data["plan"], p != .null { plan = try Wire.decode(Plan.self, from: Wire.encode(p), what: "planner.generate: field \"plan\"") }
        let request = PlanGeneration.Request(
            description: data["description"]?.stringValue ?? "", graphType: data["graph_type"]?.stringValue.flatMap(Plan.GraphType.init(rawValue:)),
            plan: plan, critique: data["critique"]?.stringValue,
            maxAttempts: data["max_attempts"]?.intValue ?? config["max_attempts"]?.intValue ?? 4)
        var conversation = PlanGeneration(request, actions: ActionCatalog(actions))
        var step = conversation.start
        while true {
            switch step {
            case .ask(let messages):
                let answer = try await complete(base: base, model: model, key: key, messages: messages, timeout: timeout)
                step = conversation.received(answer)
                if case .ask = step { log("attempt \(conversation.attempts): \(conversation.lastProblems.count) problem(s); asking again") }
            case .done(let plan, let attempts):
                return ["valid": true, "plan": try Wire.decode(JSONValue.self, from: Wire.encode(plan)), "problems": [], "attempts": .int(attempts),
                        "model": .string(model)]
            case .gaveUp(let problems, let attempts):
                return ["valid": false, "problems": try Wire.decode(JSONValue.self, from: Wire.encode(problems)), "attempts": .int(attempts),
                        "model": .string(model)]
            }
        }
    }

    /// One chat-completions request; the answer's first choice's content.
    static func complete(base: String, model: String, key: String?, messages: [PlanGeneration.Message], timeout: TimeInterval) async throws -> String {
        let endpoint = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/chat/completions"
        guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https" else {
            throw WireError(.unavailable, "planner-agent: setting \"base_url\": expected an http(s) URL, got \"\(base)\"")
        }
        struct Body: Encodable {
            var model: String
            var messages: [PlanGeneration.Message]
            var temperature = 0.0
            var response_format = ["type": "json_object"]
        }
        var req = URLRequest(url: url)
        req.httpMethod = "POST"
        req.timeoutInterval = timeout
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key, !key.isEmpty { req.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        req.httpBody = try Wire.encode(Body(model: model, messages: messages))
        let (data, response): (Data, URLResponse)
        do { (data, response) = try await URLSession.shared.data(for: req) } catch {
            throw WireError(.unavailable, "planner-agent: cannot reach \(endpoint): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw WireError(.unavailable, "planner-agent: \(endpoint) answered HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        let json = try Wire.decode(JSONValue.self, from: data, what: "answer of \(endpoint)")
        guard let content = json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue else {
            throw WireError(.unavailable, "planner-agent: \(endpoint): expected choices[0].message.content, got \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return content
    }
}
