import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

/// `lightning storage ...`
struct Storage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with documents in the storage provider.",
        subcommands: [Containers.self, CreateContainer.self, Get.self, Put.self, Delete.self, Query.self]
    )

    struct Containers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List containers.")
        @OptionGroup var options: ClientOptions
        func run() async throws {
            let r = try await options.client.call { try await $0.listContainers() }
            if options.json { return Output.json(r) }
            for c in r["containers"]?.arrayValue ?? [] { print(Output.text(c)) }
        }
    }

    struct CreateContainer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-container", abstract: "Create a container if missing.")
        @OptionGroup var options: ClientOptions
        @Argument var container: String
        func run() async throws {
            let r = try await options.client.call { [container] in try await $0.createContainer(path: .init(container: container)) }
            print(r["created"] == .bool(true) ? "created \(container)" : "exists \(container)")
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read a document.")
        @OptionGroup var options: ClientOptions
        @Argument var container: String
        @Argument var id: String
        @Option(name: .long) var partitionKey: String = ""
        func run() async throws {
            Output.json(try await options.client.call { [container, id, partitionKey] in try await $0.getDocument(path: .init(container: container, id: id), query: .init(partitionKey: partitionKey)) })
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace (upsert) a document.")
        @OptionGroup var options: ClientOptions
        @Argument var container: String
        @Argument var id: String
        @Argument(help: "Document data, a JSON object.") var data: String
        @Option(name: .long) var partitionKey: String = ""
        @Option(name: .long, help: "Only if the current ETag matches.") var ifMatch: String?
        func run() async throws {
            let d = try parseJSONArgument(data, option: "data")
            let doc: JSONValue = ["id": .string(id), "partition_key": .string(partitionKey), "data": d]
            let body = try typed(doc, as: Components.Schemas.DocumentInput.self, what: "the document")
            Output.json(try await options.client.call { [container, ifMatch] in
                try await $0.createDocument(path: .init(container: container), query: .init(upsert: true), headers: .init(ifMatch: ifMatch), body: .json(body))
            })
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a document.")
        @OptionGroup var options: ClientOptions
        @Argument var container: String
        @Argument var id: String
        @Option(name: .long) var partitionKey: String = ""
        func run() async throws {
            _ = try await options.client.call { [container, id, partitionKey] in try await $0.deleteDocument(path: .init(container: container, id: id), query: .init(partitionKey: partitionKey)) }
            print("deleted \(id)")
        }
    }

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Query by equality on data fields, e.g. '{\"address.city\":\"Oslo\"}'.")
        @OptionGroup var options: ClientOptions
        @Argument var container: String
        @Argument(help: "JSON object of dotted path → value.") var whereClause: String = "{}"
        @Option(name: .long) var partitionKey: String?
        @Option(name: .long) var maxItems: Int?
        @Option(name: .long) var continuation: String?
        func run() async throws {
            let w = try parseJSONArgument(whereClause, option: "where")
            var body: [String: JSONValue] = ["where": w]
            if let partitionKey { body["partition_key"] = .string(partitionKey) }
            if let maxItems { body["max_items"] = .int(maxItems) }
            if let continuation { body["continuation"] = .string(continuation) }
            let request = try typed(.object(body), as: Components.Schemas.QueryRequest.self, what: "the query")
            Output.json(try await options.client.call { [container] in try await $0.queryDocuments(path: .init(container: container), body: .json(request)) })
        }
    }
}
