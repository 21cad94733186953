import Foundation
import LightningAPIServer
import LightningProtocol
import OpenAPIRuntime

/// `/v1/containers`: create, list (by label), get, start, stop, logs, wait, delete, and
/// `/v1/containers/images/{pull,import}`. Everything goes through the containers provider slot
/// (`containers.*` contract, docs/containers.md); 503 when no runtime is configured.
extension TypedAPI {
    private var containers: ProviderSlot { daemon.providers.containers }

    func createRuntimeContainer(_ input: Operations.CreateRuntimeContainer.Input) async throws -> Operations.CreateRuntimeContainer.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let spec = ContainerSpec(name: b.name, image: b.image, command: b.command, environment: b.environment?.additionalProperties,
                                 labels: b.labels?.additionalProperties, cpu: b.cpu, memoryMb: b.memoryMb, ports: b.ports,
                                 restartPolicy: b.restartPolicy?.rawValue, start: b.start)
        return .created(.init(body: .json(.init(try await containers.call(Method.containersCreate, spec, as: ContainerInfo.self)))))
    }

    /// `?label=k=v` (repeatable): only containers carrying every one of these labels.
    func listRuntimeContainers(_ input: Operations.ListRuntimeContainers.Input) async throws -> Operations.ListRuntimeContainers.Output {
        var labels: [String: String] = [:]
        for raw in input.query.label ?? [] {
            guard let eq = raw.firstIndex(of: "="), eq != raw.startIndex else {
                throw WireError(.invalidArgument, "query parameter \"label\": expected key=value, got \"\(raw.prefix(100))\"")
            }
            labels[String(raw[..<eq])] = String(raw[raw.index(after: eq)...])
        }
        let list = try await containers.call(Method.containersList, ContainerQuery(labels: labels.isEmpty ? nil : labels), as: ContainerInfoList.self)
        return .ok(.init(body: .json(.init(containers: list.containers.map(Components.Schemas.RuntimeContainerInfo.init)))))
    }

    func getRuntimeContainer(_ input: Operations.GetRuntimeContainer.Input) async throws -> Operations.GetRuntimeContainer.Output {
        .ok(.init(body: .json(.init(try await containers.call(Method.containersGet, ContainerRef(name: input.path.name), as: ContainerInfo.self)))))
    }

    func startRuntimeContainer(_ input: Operations.StartRuntimeContainer.Input) async throws -> Operations.StartRuntimeContainer.Output {
        .ok(.init(body: .json(.init(try await containers.call(Method.containersStart, ContainerRef(name: input.path.name), as: ContainerInfo.self)))))
    }

    /// `?timeout_seconds=` between SIGTERM and SIGKILL (provider default 10).
    func stopRuntimeContainer(_ input: Operations.StopRuntimeContainer.Input) async throws -> Operations.StopRuntimeContainer.Output {
        let r = ContainerRef(name: input.path.name, timeoutSeconds: input.query.timeoutSeconds)
        return .ok(.init(body: .json(.init(try await containers.call(Method.containersStop, r, as: ContainerInfo.self)))))
    }

    /// `?tail=N`: only the last N lines of each stream.
    func getRuntimeContainerLogs(_ input: Operations.GetRuntimeContainerLogs.Input) async throws -> Operations.GetRuntimeContainerLogs.Output {
        if let t = input.query.tail, t > 1_000_000 {
            throw WireError(.invalidArgument, "query parameter \"tail\": expected an integer from 0 to 1000000, got \"\(t)\"")
        }
        let l = try await containers.call(Method.containersLogs, ContainerRef(name: input.path.name, tail: input.query.tail), as: ContainerLogs.self)
        return .ok(.init(body: .json(.init(name: l.name, stdout: l.stdout, stderr: l.stderr))))
    }

    /// `?timeout_seconds=`: give up with 504 after this long (provider default 60).
    func waitRuntimeContainer(_ input: Operations.WaitRuntimeContainer.Input) async throws -> Operations.WaitRuntimeContainer.Output {
        let r = ContainerRef(name: input.path.name, timeoutSeconds: input.query.timeoutSeconds)
        let e = try await containers.call(Method.containersWait, r, as: ContainerExit.self)
        return .ok(.init(body: .json(.init(name: e.name, exitCode: e.exitCode, state: .init(e.state)))))
    }

    /// `?force=true` removes a running container too.
    func deleteRuntimeContainer(_ input: Operations.DeleteRuntimeContainer.Input) async throws -> Operations.DeleteRuntimeContainer.Output {
        let name = input.path.name
        let r = try await containers.call(Method.containersDelete, ContainerRef(name: name, force: input.query.force), as: DeleteResult.self)
        guard r.deleted else { throw WireError(.notFound, "no container named \"\(name)\"") }
        return .noContent
    }

    func pullImage(_ input: Operations.PullImage.Input) async throws -> Operations.PullImage.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let r = try await containers.call(Method.imagesPull, ImageRequest(image: b.image, source: b.source), as: ImageResult.self)
        return .ok(.init(body: .json(.init(image: r.image, id: r.id))))
    }

    /// Body: `{"image": "name:tag", "source": "<path of a rootfs tarball on the daemon's machine>"}`.
    func importImage(_ input: Operations.ImportImage.Input) async throws -> Operations.ImportImage.Output {
        guard case .json(let b) = input.body else { throw WireError(.invalidArgument, "request body: expected JSON") }
        let r = try await containers.call(Method.imagesImport, ImageRequest(image: b.image, source: b.source), as: ImageResult.self)
        return .ok(.init(body: .json(.init(image: r.image, id: r.id))))
    }
}

extension Components.Schemas.RuntimeContainerInfo {
    init(_ c: ContainerInfo) {
        self.init(name: c.name, image: c.image, state: .init(c.state), runtimeId: c.runtimeId, exitCode: c.exitCode,
                  labels: c.labels.map { .init(additionalProperties: $0) }, createdAt: c.createdAt?.date, startedAt: c.startedAt?.date,
                  finishedAt: c.finishedAt?.date, detail: c.detail)
    }
}

extension Components.Schemas.RuntimeContainerInfo.StatePayload {
    init(_ s: ContainerInfo.State) {
        switch s {
        case .pending: self = .pending
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .stopped: self = .stopped
        case .unknown: self = .unknown
        }
    }
}

extension Components.Schemas.RuntimeContainerExit.StatePayload {
    init(_ s: ContainerInfo.State) {
        switch s {
        case .pending: self = .pending
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .stopped: self = .stopped
        case .unknown: self = .unknown
        }
    }
}
