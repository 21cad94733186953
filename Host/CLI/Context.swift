import ArgumentParser
import Foundation
import LightningAPIClient
import LightningProtocol

/// `lightning context …`: the Context Hub (docs/context-hub.md). Paths are in one owner's tree
/// (`--owner`, default: the caller's own: its token's name, `anonymous` without a token).
struct ContextHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "Documents, versions and search in the Context Hub.",
        discussion: "Paths look like /notes/today.md inside one owner's tree (--owner; default: yours). Every write is a new version.",
        subcommands: [Ls.self, Cat.self, Put.self, Mv.self, Rm.self, Log.self, Diff.self, Restore.self, Search.self, Reindex.self]
    )

    struct Target: ParsableArguments {
        @OptionGroup var options: ClientOptions
        @Option(name: .long, help: "Whose tree the path is in (default: yours).") var owner: String?

        /// The document or folder at `path`.
        func resolve(_ path: String) async throws -> JSONValue {
            try await options.client.call { [owner] in try await $0.readContextDocumentByPath(query: .init(path: path, owner: owner)) }
        }
        func id(_ path: String) async throws -> String {
            guard let id = try await resolve(path)["id"]?.stringValue else { throw ClientFailure(description: "\(path): the daemon's answer has no id") }
            return id
        }
    }

    struct Ls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a folder (default: the root of the tree).")
        @OptionGroup var target: Target
        @Argument(help: "Folder path.") var path: String = "/"
        func run() async throws {
            let r = try await target.options.client.call { [owner = target.owner, path] in try await $0.listContextFolderByPath(query: .init(path: path, owner: owner)) }
            if target.options.json { return Output.json(r) }
            let rows = (r["documents"]?.arrayValue ?? []).map { d -> [String] in
                let folder = d["doc_type"]?.stringValue == "folder"
                return [(d["name"]?.stringValue ?? "") + (folder ? "/" : ""), d["doc_type"]?.stringValue ?? "", folder ? "-" : Output.text(d["size"]),
                        folder ? "-" : Output.text(d["version"]), d["author"]?.stringValue ?? "", Output.text(d["updated_at"])]
            }
            Output.table(["NAME", "TYPE", "SIZE", "VERSION", "AUTHOR", "UPDATED"], rows)
        }
    }

    struct Cat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a document's content (or one of its versions).")
        @OptionGroup var target: Target
        @Argument(help: "Document path.") var path: String
        @Option(name: .long, help: "An older version.") var version: Int?
        func run() async throws {
            var r = try await target.resolve(path)
            if let version, let id = r["id"]?.stringValue {
                r = try await target.options.client.call { try await $0.readContextVersion(path: .init(id: id, version: version)) }
            }
            if target.options.json { return Output.json(r) }
            FileHandle.standardOutput.write(Data((r["content"]?.stringValue ?? "").utf8))
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace a document (a new version); missing folders are created.")
        @OptionGroup var target: Target
        @Argument(help: "Document path.") var path: String
        @Argument(help: "File with the content; - or none: standard input.") var file: String?
        @Option(name: .long, help: "The content itself, instead of a file.") var content: String?
        @Option(name: .long, help: "Only if the document's current ETag is this.") var ifMatch: String?
        @Flag(name: .long, help: "Create a folder instead.") var folder = false
        func run() async throws {
            var text = content ?? ""
            if content == nil && !folder {
                if let file, file != "-" {
                    guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                    text = String(decoding: d, as: UTF8.self)
                } else {
                    text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                }
            }
            var body: [String: JSONValue] = ["content": .string(text)]
            if folder { body = ["doc_type": "folder"] }
            let request = try typed(.object(body), as: Operations.PutContextDocumentByPath.Input.Body.JsonPayload.self, what: "the document")
            let r = try await target.options.client.call { [owner = target.owner, path, ifMatch] in
                try await $0.putContextDocumentByPath(query: .init(path: path, owner: owner), headers: .init(ifMatch: ifMatch), body: .json(request))
            }
            if target.options.json { return Output.json(r) }
            print("\(r["path"]?.stringValue ?? path) version \(Output.text(r["version"])) etag \(r["etag"]?.stringValue ?? "")")
        }
    }

    struct Mv: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename or move a document or folder within its tree.",
                                                        discussion: "A destination ending in / (or an existing folder) keeps the name.")
        @OptionGroup var target: Target
        @Argument var source: String
        @Argument var destination: String
        func run() async throws {
            let id = try await target.id(source)
            var parentPath: String, name: String?
            let existing = try? await target.resolve(destination)
            if destination.hasSuffix("/") || existing?["doc_type"]?.stringValue == "folder" {
                parentPath = destination; name = nil
            } else {
                let parts = destination.split(separator: "/").map(String.init)
                guard let last = parts.last else { throw ValidationError("destination \(destination): expected a path such as /folder/name") }
                parentPath = "/" + parts.dropLast().joined(separator: "/"); name = last
            }
            var body: [String: JSONValue] = [:]
            if let name { body["name"] = .string(name) }
            let trimmed = parentPath.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            body["parent_folder_id"] = trimmed.isEmpty ? .null : .string(try await target.id(parentPath))
            // Sent as built: `"parent_folder_id": null` (the root) differs from leaving it out, which
            // the typed body (an optional) cannot say; the typed value checks the rest.
            let request = try typed(.object(body.filter { $0.value != .null }), as: Operations.MoveContextDocument.Input.Body.JsonPayload.self, what: "the move")
            let r = try await target.options.client.call(document: try Wire.encode(JSONValue.object(body))) {
                try await $0.moveContextDocument(path: .init(id: id), body: .json(request))
            }
            if target.options.json { return Output.json(r) }
            print("moved \(source) to \(r["path"]?.stringValue ?? destination)")
        }
    }

    struct Rm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a document, or a folder (-r: with everything in it).")
        @OptionGroup var target: Target
        @Argument var path: String
        @Flag(name: [.customShort("r"), .long], help: "Delete a folder that is not empty, with everything in it.") var recursive = false
        func run() async throws {
            let id = try await target.id(path)
            let r = try await target.options.client.call { [recursive] in try await $0.deleteContextDocument(path: .init(id: id), query: .init(recursive: recursive ? true : nil)) }
            if target.options.json { return Output.json(r) }
            print("deleted \(path) (\(Output.text(r["deleted"])) entries)")
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a document's versions.")
        @OptionGroup var target: Target
        @Argument var path: String
        func run() async throws {
            let id = try await target.id(path)
            let r = try await target.options.client.call { try await $0.listContextVersions(path: .init(id: id)) }
            if target.options.json { return Output.json(r) }
            let rows = (r["versions"]?.arrayValue ?? []).reversed().map { v in
                [Output.text(v["version"]), v["author"]?.stringValue ?? "", Output.text(v["at"]), Output.text(v["size"]),
                 v["restored_from"].map { "restored v\(Output.text($0))" } ?? ""]
            }
            Output.table(["VERSION", "AUTHOR", "AT", "SIZE", ""], rows)
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unified diff between two versions of a document.")
        @OptionGroup var target: Target
        @Argument var path: String
        @Argument var from: Int
        @Argument var to: Int
        func run() async throws {
            let id = try await target.id(path)
            let r = try await target.options.client.call { [from, to] in try await $0.diffContextVersions(path: .init(id: id), query: .init(from: from, to: to)) }
            if target.options.json { return Output.json(r) }
            FileHandle.standardOutput.write(Data((r["diff"]?.stringValue ?? "").utf8))
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an older version current again (as a new version).")
        @OptionGroup var target: Target
        @Argument var path: String
        @Argument var version: Int
        func run() async throws {
            let id = try await target.id(path)
            let r = try await target.options.client.call { [version] in try await $0.restoreContextVersion(path: .init(id: id, version: version)) }
            if target.options.json { return Output.json(r) }
            print("\(r["path"]?.stringValue ?? path) version \(Output.text(r["version"])) (restored v\(version))")
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Full-text search over what you may read, best first.",
                                                        discussion: "Words must all appear; word* matches a prefix; \"a phrase\" words in a row.")
        @OptionGroup var target: Target
        @Argument var query: String
        @Option(name: .long) var limit: Int = 20
        @Option(name: .long) var offset: Int = 0
        @Option(name: .long, help: "Only under this folder (a path in the --owner tree).") var folder: String?
        func run() async throws {
            var folderId: String?
            if let folder { folderId = try await target.id(folder) }
            let r = try await target.options.client.call { [query, limit, offset, folderId] in
                try await $0.searchContext(query: .init(q: query, limit: limit, offset: offset, folder: folderId))
            }
            if target.options.json { return Output.json(r) }
            for h in r["hits"]?.arrayValue ?? [] {
                let d = h["document"]
                print("\(d?["owner"]?.stringValue ?? ""):\(d?["path"]?.stringValue ?? "")  \(h["snippet"]?.stringValue ?? "")")
            }
            print("\(Output.text(r["total"])) matches")
        }
    }

    struct Reindex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rebuild the search index from storage.")
        @OptionGroup var options: ClientOptions
        func run() async throws {
            let r = try await options.client.call { try await $0.reindexContext() }
            if options.json { return Output.json(r) }
            print("indexed \(Output.text(r["indexed"])) documents and folders")
        }
    }
}
