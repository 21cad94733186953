import Foundation
import Hummingbird
import LightningProtocol

extension APIServer {
    /// `/v1/containers`: create, list (by label), get, start, stop, logs, wait, delete, and
    /// `/v1/containers/images/{pull,import}`. Everything goes through the containers provider
    /// slot (`containers.*` contract, docs/containers.md); 503 when no runtime is configured.
    func addContainerRoutes(_ router: Router<BasicRequestContext>) {
        let containers = daemon.providers.containers
        // Body: a ContainerSpec. 201 with the container's ContainerInfo.
        router.post("/v1/containers") { request, _ in
            var req = request
            let spec = try await req.decode(ContainerSpec.self)
            return APIResponse.json(try await containers.call(Method.containersCreate, spec, as: ContainerInfo.self), status: .created)
        }
        // `?label=k=v` (repeatable): only containers carrying every one of these labels.
        router.get("/v1/containers") { request, _ in
            var labels: [String: String] = [:]
            for entry in request.uri.queryParameters.getAll("label") {
                let raw = String(entry)  // already percent-decoded
                guard let eq = raw.firstIndex(of: "="), eq != raw.startIndex else {
                    throw WireError(.invalidArgument, "query parameter \"label\": expected key=value, got \"\(raw.prefix(100))\"")
                }
                labels[String(raw[..<eq])] = String(raw[raw.index(after: eq)...])
            }
            let q = ContainerQuery(labels: labels.isEmpty ? nil : labels)
            return APIResponse.json(try await containers.call(Method.containersList, q, as: ContainerInfoList.self))
        }
        router.post("/v1/containers/images/pull") { request, _ in
            var req = request
            let r = try await req.decode(ImageRequest.self)
            return APIResponse.json(try await containers.call(Method.imagesPull, r, as: ImageResult.self))
        }
        // Body: {"image": "name:tag", "source": "<path of a rootfs tarball on the daemon's machine>"}.
        router.post("/v1/containers/images/import") { request, _ in
            var req = request
            let r = try await req.decode(ImageRequest.self)
            return APIResponse.json(try await containers.call(Method.imagesImport, r, as: ImageResult.self))
        }
        router.get("/v1/containers/:name") { _, ctx in
            let r = ContainerRef(name: try ctx.parameters.string("name"))
            return APIResponse.json(try await containers.call(Method.containersGet, r, as: ContainerInfo.self))
        }
        router.post("/v1/containers/:name/start") { _, ctx in
            let r = ContainerRef(name: try ctx.parameters.string("name"))
            return APIResponse.json(try await containers.call(Method.containersStart, r, as: ContainerInfo.self))
        }
        // `?timeout_seconds=` between SIGTERM and SIGKILL (provider default 10).
        router.post("/v1/containers/:name/stop") { request, ctx in
            let r = ContainerRef(name: try ctx.parameters.string("name"), timeoutSeconds: try request.queryInt("timeout_seconds", range: 0...3600))
            return APIResponse.json(try await containers.call(Method.containersStop, r, as: ContainerInfo.self))
        }
        // `?tail=N`: only the last N lines of each stream.
        router.get("/v1/containers/:name/logs") { request, ctx in
            let r = ContainerRef(name: try ctx.parameters.string("name"), tail: try request.queryInt("tail", range: 0...1_000_000))
            return APIResponse.json(try await containers.call(Method.containersLogs, r, as: ContainerLogs.self))
        }
        // `?timeout_seconds=`: give up with 504 after this long (provider default 60).
        router.post("/v1/containers/:name/wait") { request, ctx in
            let r = ContainerRef(name: try ctx.parameters.string("name"), timeoutSeconds: try request.queryInt("timeout_seconds", range: 1...86_400))
            return APIResponse.json(try await containers.call(Method.containersWait, r, as: ContainerExit.self))
        }
        // `?force=true` removes a running container too.
        router.delete("/v1/containers/:name") { request, ctx in
            let name = try ctx.parameters.string("name")
            let force: Bool?
            switch request.query("force") {
            case nil: force = nil
            case "true", "1": force = true
            case "false", "0": force = false
            case let other?: throw WireError(.invalidArgument, "query parameter \"force\": expected true or false, got \"\(other)\"")
            }
            let r = try await containers.call(Method.containersDelete, ContainerRef(name: name, force: force), as: DeleteResult.self)
            guard r.deleted else { throw WireError(.notFound, "no container named \"\(name)\"") }
            return APIResponse.noContent()
        }
    }
}
