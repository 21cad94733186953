import ArgumentParser
import Foundation
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

        func query(_ path: String) -> String {
            "path=\(encode(path))" + (owner.map { "&owner=\(encode($0))" } ?? "")
        }
        /// The document or folder at `path`.
        func resolve(_ path: String) async throws -> JSONValue {
            try await options.client.get("/v1/context/documents?\(query(path))")
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
            let r = try await target.options.client.get("/v1/context/folders?\(target.query(path))")
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
                r = try await target.options.client.get("/v1/context/documents/\(encodePath(id))/versions/\(version)")
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
            var headers: [String: String] = [:]
            if let ifMatch { headers["If-Match"] = ifMatch }
            let r = try await target.options.client.send("PUT", "/v1/context/documents?\(target.query(path))", body: try Wire.encode(JSONValue.object(body)),
                                                         headers: headers)
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
            let r = try await target.options.client.post("/v1/context/documents/\(encodePath(id))/move", .object(body))
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
            let r = try await target.options.client.send("DELETE", "/v1/context/documents/\(encodePath(id))\(recursive ? "?recursive=true" : "")")
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
            let r = try await target.options.client.get("/v1/context/documents/\(encodePath(id))/versions")
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
            let r = try await target.options.client.get("/v1/context/documents/\(encodePath(id))/diff?from=\(from)&to=\(to)")
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
            let r = try await target.options.client.send("POST", "/v1/context/documents/\(encodePath(id))/versions/\(version)/restore")
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
            var q = "q=\(encode(query))&limit=\(limit)&offset=\(offset)"
            if let folder { q += "&folder=\(encode(try await target.id(folder)))" }
            let r = try await target.options.client.get("/v1/context/search?\(q)")
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
            let r = try await options.client.send("POST", "/v1/context/reindex")
            if options.json { return Output.json(r) }
            print("indexed \(Output.text(r["indexed"])) documents and folders")
        }
    }
}
