import DockerEngine
import Foundation
import LightningProtocol

/// containers.images.pull and containers.images.import.
extension DockerContainers {
    func pullImage(_ r: ImageRequest) async throws -> ImageResult {
        let ref = try ImageReference(r.image)
        let what = "pull image \"\(r.image)\""
        var query = [("fromImage", ref.repository)]
        if let digest = ref.digest { query[0].1 += "@" + digest } else { query.append(("tag", ref.tag)) }
        let response = try await api.send("POST", "/images/create", query: query, timeoutMs: api.config.imageTimeoutMs, what: what)
        try Self.checkProgressStream(response, what: what)
        return ImageResult(image: r.image, id: try await imageId(ref.full, what: what))
    }

    /// Imports a root-filesystem tarball (`source`, a path on this machine) as `image`.
    ///
    /// podman's compatible API ignores the `tag` parameter of an import (it stores
    /// `repo:latest`), so the image is imported under its repository and then tagged explicitly
    /// (`POST /images/{id}/tag`), which both engines honour.
    func importImage(_ r: ImageRequest) async throws -> ImageResult {
        let ref = try ImageReference(r.image)
        guard ref.digest == nil else {
            throw WireError(.invalidArgument, "image \"\(r.image)\": an imported image gets a tag, not a digest")
        }
        guard let source = r.source, !source.isEmpty else {
            throw WireError(.invalidArgument, "source: expected the path of a root-filesystem tarball on the daemon's machine, got none")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir), !isDir.boolValue else {
            throw WireError(.invalidArgument, "source \"\(source)\": expected an existing tarball file, got \(isDir.boolValue ? "a directory" : "no such file")")
        }
        let what = "import image \"\(r.image)\" from \(source)"
        let response = try await api.send("POST", "/images/create", query: [("fromSrc", "-"), ("repo", ref.repository), ("tag", ref.tag)],
                                          body: .file(path: source, contentType: "application/x-tar"),
                                          timeoutMs: api.config.imageTimeoutMs, what: what)
        let objects = try Self.checkProgressStream(response, what: what)
        // Docker answers {"status":"sha256:..."}; podman adds "id" as well.
        guard let id = objects.compactMap({ $0["id"]?.stringValue ?? $0["status"]?.stringValue }).last(where: { $0.hasPrefix("sha256:") }) else {
            throw WireError(.internal, "\(what): expected the new image id (sha256:...) in the engine's answer, got \(response.bodyText.prefix(300))")
        }
        _ = try await api.send("POST", "/images/\(DockerAPI.encode(id))/tag", query: [("repo", ref.repository), ("tag", ref.tag)],
                               what: "tag image \(id) as \(ref.full)")
        return ImageResult(image: r.image, id: try await imageId(ref.full, what: what))
    }

    /// The engine's id of `image` (`GET /images/{name}/json`).
    func imageId(_ image: String, what: String) async throws -> String? {
        let doc = try DockerAPI.json(try await api.send("GET", "/images/\(DockerAPI.encode(image))/json", what: "\(what): inspect"), what: what)
        return doc["Id"]?.stringValue
    }

    /// The objects of a 200 progress stream; an `{"error": ...}` among them is the failure.
    @discardableResult
    static func checkProgressStream(_ r: DockerEngine.HTTPResponse, what: String) throws -> [JSONValue] {
        let objects = DockerAPI.streamObjects(r)
        if let failure = objects.first(where: { $0["error"] != nil || $0["errorDetail"] != nil }) {
            let message = failure["error"]?.stringValue ?? failure["errorDetail"]?["message"]?.stringValue ?? "\(failure)"
            let lower = message.lowercased()
            let code: WireError.Code
            if ["no such host", "dial tcp", "connection refused", "i/o timeout", "network is unreachable", "tls handshake timeout"].contains(where: lower.contains) {
                code = .unavailable
            } else if lower.contains("not found") || lower.contains("manifest unknown") || lower.contains("does not exist") || lower.contains("no such image") {
                code = .notFound
            } else if lower.contains("unauthorized") || lower.contains("authentication required") || lower.contains("denied") {
                code = .unauthenticated
            } else {
                code = .internal
            }
            throw WireError(code, "\(what): \(message)")
        }
        return objects
    }
}

/// An image reference split the way the Engine API wants it: `repository`, `tag` (default
/// `latest`) or `digest`. `localhost:5000/team/app:1.2` → `localhost:5000/team/app`, `1.2`.
struct ImageReference: Equatable {
    var repository: String
    var tag: String
    var digest: String?

    var full: String { digest.map { "\(repository)@\($0)" } ?? "\(repository):\(tag)" }

    init(_ s: String) throws {
        func bad(_ why: String) -> WireError {
            WireError(.invalidArgument, "image \"\(s.prefix(200))\": expected a reference like \"busybox:latest\" or \"registry/name@sha256:...\" (\(why))")
        }
        guard !s.isEmpty, s.utf8.count <= 512 else { throw bad("1 to 512 bytes") }
        guard s.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else { throw bad("printable ASCII without spaces") }
        var rest = Substring(s)
        if let at = rest.firstIndex(of: "@") {
            let d = rest[rest.index(after: at)...]
            guard d.contains(":"), !d.hasSuffix(":") else { throw bad("a digest is algorithm:hex") }
            digest = String(d)
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
            guard !tag.isEmpty, tag.count <= 128 else { throw bad("a tag is 1 to 128 characters") }
        } else {
            tag = "latest"
        }
        guard !rest.isEmpty, !rest.hasPrefix("/"), !rest.hasSuffix("/"), !rest.contains("//") else { throw bad("an empty name component") }
        repository = String(rest)
    }
}
