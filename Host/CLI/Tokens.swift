import ArgumentParser
import Foundation
import HostCore
import LightningAPIClient
import LightningProtocol

/// `lightning tokens create | list | revoke`: API tokens (admin scope; docs/security.md).
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API tokens (needs an admin token).",
        subcommands: [Create.self, List.self, Revoke.self], defaultSubcommand: List.self)

    /// `lightning tokens create [--scope S]… [--events PATTERN]… [--expires 30d|RFC3339] [--name N] [--rate-limit R [--burst B]]`
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token; prints its secret (shown only this once) on stdout.",
            discussion: "Example: export LIGHTNING_TOKEN=$(lightning tokens create --scope events:write --events 'orders.*' --expires 30d)")
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "read, events:write or admin (repeatable or comma-separated; default read).") var scope: [String] = []
        @Option(name: .long, help: "Event-type pattern the token may publish (repeatable; default any).") var events: [String] = []
        @Option(name: .long, help: "Expiry: a duration (90s, 30m, 12h, 30d) or an RFC 3339 time (default never).") var expires: String?
        @Option(name: .long, help: "A name to recognise the token by.") var name: String?
        @Option(name: .long, help: "Requests per second the token may make; past it the API answers 429 with Retry-After (default unlimited).") var rateLimit: Double?
        @Option(name: .long, help: "Requests the token may make at once under --rate-limit (default: one second's worth).") var burst: Int?

        func validate() throws {
            if let rateLimit, !(rateLimit > 0) { throw ValidationError("--rate-limit: expected a number of requests per second above 0, got \(rateLimit)") }
            if burst != nil && rateLimit == nil { throw ValidationError("--burst needs --rate-limit") }
            if let burst, burst < 1 { throw ValidationError("--burst: expected an integer of at least 1, got \(burst)") }
        }

        func run() async throws {
            let scopes = scope.isEmpty ? ["read"] : scope.flatMap { $0.split(separator: ",").map(String.init) }
            for s in scopes where Scope(rawValue: s) == nil {
                throw ValidationError("--scope: expected \(Scope.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(s)\"")
            }
            var body: [String: JSONValue] = ["scopes": .array(scopes.map { .string($0) })]
            if !events.isEmpty { body["events"] = .array(events.map { .string($0) }) }
            if let name { body["name"] = .string(name) }
            if let rateLimit {
                var limit: [String: JSONValue] = ["per_second": .double(rateLimit)]
                if let burst { limit["burst"] = .int(burst) }
                body["rate_limit"] = .object(limit)
            }
            if let expires {
                if let seconds = Self.seconds(expires) { body["expires_in_seconds"] = .double(seconds) }
                else if Timestamp(rfc3339: expires) != nil { body["expires_at"] = .string(expires) }
                else { throw ValidationError("--expires: expected a duration like 90s, 30m, 12h or 30d, or an RFC 3339 time, got \"\(expires)\"") }
            }
            let request = try typed(.object(body), as: Operations.CreateToken.Input.Body.JsonPayload.self, what: "the token request")
            let r = try await options.client.call { try await $0.createToken(body: .json(request)) }
            if options.json { return Output.json(r) }
            print(r["secret"]?.stringValue ?? "")
            let t = r["token"]
            FileHandle.standardError.write(Data("created token \(Output.text(t?["id"])) (scopes \(Output.text(t?["scopes"])); events \(t?["events"].map { Output.text($0) } ?? "any"); expires \(t?["expires_at"]?.stringValue ?? "never")); the secret above is shown only once\n".utf8))
        }

        /// `90s`, `30m`, `12h`, `30d` in seconds; nil when `text` is not such a duration.
        static func seconds(_ text: String) -> Double? {
            guard let unit = text.last, let n = Double(text.dropLast()), n > 0 else { return nil }
            switch unit {
            case "s": return n
            case "m": return n * 60
            case "h": return n * 3600
            case "d": return n * 86400
            default: return nil
            }
        }
    }

    /// `lightning tokens list`
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let r = try await options.client.call { try await $0.listTokens() }
            if options.json { return Output.json(r) }
            let rows = (r["tokens"]?.arrayValue ?? []).map { t in
                [Output.text(t["id"]), Output.text(t["scopes"]), t["events"].map { Output.text($0) } ?? "*",
                 Output.text(t["created_at"]), t["expired"]?.boolValue == true ? "expired" : (t["expires_at"]?.stringValue ?? "never"),
                 Output.text(t["name"])]
            }
            Output.table(["ID", "SCOPES", "EVENTS", "CREATED", "EXPIRES", "NAME"], rows)
        }
    }

    /// `lightning tokens revoke ID`
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: requests with it get 401 from now on.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The token's id (tok_…; see `lightning tokens list`).") var id: String

        func run() async throws {
            _ = try await options.client.call { [id] in try await $0.revokeToken(path: .init(id: id)) }
            print("revoked \(id)")
        }
    }
}
