// example-agent: greets people and remembers whom it greeted.
//
//   greet.request {"name": "Ada"}
//     → storage.container.create {"container": "greetings"}   (idempotent)
//     → storage.upsert greetings/<event id> {"name": "Ada", "greeting": "Hello, Ada!"}
//     ← greet.reply {"greeting": "Hello, Ada!", "stored_id": "<event id>"}
//
// Config: {"greeting": "Hi"} changes the word (default "Hello").
import LightningChildKit
import LightningProtocol

let child = Child(name: "example-agent", version: "1.0.0")

child.onEvent("greet.*") { event, ctx in
    guard event.type == "greet.request" else { return [] }
    guard let name = event.data["name"]?.stringValue, !name.isEmpty else {
        let got = event.data["name"].map { $0.typeDescription } ?? "nothing"
        throw WireError(.invalidArgument, "event \(event.id) (greet.request): field \"data.name\": expected a non-empty string, got \(got)")
    }
    let word = ctx.config["greeting"]?.stringValue ?? "Hello"
    let greeting = "\(word), \(name)!"

    do {
        try await ctx.storage.createContainer("greetings")  // `created: false` when it exists
    } catch let error as WireError where error.code == .conflict {
        // A provider that reports an existing container as a conflict: fine too.
    }
    let stored = try await ctx.storage.upsert(
        container: "greetings",
        document: Document(id: event.id, data: ["name": .string(name), "greeting": .string(greeting)]))
    ctx.log(.info, "greeted \(name); stored greetings/\(stored.id)")

    return [Event(type: "greet.reply", source: ctx.identity.id,
                  data: ["greeting": .string(greeting), "stored_id": .string(stored.id)],
                  correlationId: event.id)]
}

await child.run()
