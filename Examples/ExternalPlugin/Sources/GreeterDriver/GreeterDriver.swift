public import CLightningABI
import LightningPluginKit
import LightningProtocol

/// A driver written against the SDK products only:
///
///   hello.request {"name": "Ada"}
///     → storage.upsert greetings/<name> {"greeting": "Hello, Ada!", "count": n}   (context.storage)
///     ← hello.reply {"greeting": "Hello, Ada!", "count": n}
///   hello.ping → hello.pong (no storage)
///
/// Config: {"greeting": "Hi"} (default "Hello").
public final class GreeterDriver: DriverPlugin {
    let greeting: String
    let context: PluginContext

    public init(context: PluginContext) throws {
        self.context = context
        switch context.config["greeting"] {
        case nil, .null?: greeting = "Hello"
        case .string(let s)? where !s.isEmpty: greeting = s
        case let other?:
            throw WireError(.invalidArgument, "config field \"greeting\": expected a non-empty string, got \(other)")
        }
    }

    public func handle(event: Event) async throws -> [Event] {
        switch event.type {
        case "hello.ping":
            return [Event(type: "hello.pong", source: "greeter-driver", data: event.data)]
        case "hello.request":
            guard let name = event.data["name"]?.stringValue, !name.isEmpty else {
                throw WireError(.invalidArgument, "hello.request: field \"name\": expected a non-empty string, got \(event.data["name"] ?? .null)")
            }
            let text = "\(greeting), \(name)!"
            // The typed host storage client: the daemon forwards these to its storage provider.
            try await context.storage.createContainer("greetings")
            let previous = try? await context.storage.read(container: "greetings", id: name)
            let count = (previous?.data["count"]?.intValue ?? 0) + 1
            try await context.storage.upsert(container: "greetings",
                                             document: Document(id: name, data: ["greeting": .string(text), "count": .int(count)]),
                                             ifMatch: previous?.etag)
            return [Event(type: "hello.reply", source: "greeter-driver", data: ["greeting": .string(text), "count": .int(count)],
                          userId: event.userId)]
        default:
            return []
        }
    }
}

@_cdecl("lt_plugin_entry")
public func lt_plugin_entry(_ host: UnsafePointer<lt_host_v1>) -> UnsafePointer<lt_plugin_v1>? {
    PluginExport.entry(host: host, id: "greeter-driver", version: "1.0.0") { try GreeterDriver(context: $0) }
}
