import DockerEngine
import Foundation
import LightningProtocol
import Synchronization

/// create, start, get, list, stop, delete, wait, logs.
extension DockerContainers {
    func create(_ s: ContainerSpec) async throws -> ContainerInfo {
        let body = try ContainerSpecMapping.createBody(s)
        let what = "create container \"\(s.name)\""
        do {
            _ = try await api.send("POST", "/containers/create", query: [("name", s.name)], body: .json(body), what: what)
        } catch let e as WireError where e.code == .notFound {
            throw WireError(.notFound, "\(e.message); pull or import image \"\(s.image)\" first")
        } catch let e as WireError where e.code == .conflict {
            throw WireError(.conflict, "\(e.message); a container named \"\(s.name)\" exists already")
        }
        if s.start ?? true {
            do {
                return try await start(ContainerRef(name: s.name))
            } catch let e as WireError {
                throw WireError(e.code, "container \"\(s.name)\" was created but did not start (delete it or fix the cause): \(e.message)")
            }
        }
        return try await get(ContainerRef(name: s.name))
    }

    func start(_ r: ContainerRef) async throws -> ContainerInfo {
        let name = try ContainerSpecMapping.checkName(r.name)
        // 304: already running, which is what the caller wants.
        _ = try await api.send("POST", "/containers/\(DockerAPI.encode(name))/start", what: "start container \"\(name)\"", accept: [304])
        var info = try await inspect(name).info
        if let id = info.runtimeId, stoppedByCaller.withLock({ $0.remove(id) != nil }) { info = try await inspect(name).info }
        return info
    }

    func get(_ r: ContainerRef) async throws -> ContainerInfo {
        let name = try ContainerSpecMapping.checkName(r.name)
        return try await inspect(name).info
    }

    /// The container's inspect document mapped to `ContainerInfo`, plus whether it has a TTY.
    func inspect(_ name: String) async throws -> (info: ContainerInfo, tty: Bool) {
        let what = "container \"\(name)\""
        let doc = try DockerAPI.json(try await api.send("GET", "/containers/\(DockerAPI.encode(name))/json", what: what), what: what)
        let id = doc["Id"]?.stringValue ?? ""
        let stopped = stoppedByCaller.withLock { $0.contains(id) }
        return (try ContainerStateMapping.info(fromInspect: doc, stoppedByCaller: stopped), doc["Config"]?["Tty"]?.boolValue ?? false)
    }

    func list(_ q: ContainerQuery) async throws -> ContainerInfoList {
        var labels = ["\(Self.managedLabel)=true"]
        for (k, v) in (q.labels ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard !k.isEmpty, !k.contains("=") else {
                throw WireError(.invalidArgument, "labels: expected keys without \"=\", got \"\(k)\"")
            }
            labels.append("\(k)=\(v)")
        }
        let filters = String(decoding: try JSONEncoder().encode(["label": labels]), as: UTF8.self)
        let listing = try DockerAPI.json(try await api.send("GET", "/containers/json", query: [("all", "1"), ("filters", filters)], what: "list containers"),
                                         what: "list containers")
        var out: [ContainerInfo] = []
        for item in listing.arrayValue ?? [] {
            guard let id = item["Id"]?.stringValue else { continue }
            do {
                out.append(try await inspect(id).info)
            } catch let e as WireError where e.code == .notFound {
                continue  // removed between the listing and the inspection
            }
        }
        return ContainerInfoList(containers: out.sorted { $0.name < $1.name })
    }

    func stop(_ r: ContainerRef) async throws -> ContainerInfo {
        let name = try ContainerSpecMapping.checkName(r.name)
        let t = try ContainerArguments.stopTimeout(r)
        let before = try await inspect(name).info
        // 304: not running; stopping it is then a no-op, not an error.
        _ = try await api.send("POST", "/containers/\(DockerAPI.encode(name))/stop", query: [("t", String(t))],
                               timeoutMs: api.config.requestTimeoutMs + t * 1000, what: "stop container \"\(name)\"", accept: [304])
        if before.state == .running || before.state == .pending {
            stoppedByCaller.withLock { set in
                if let id = before.runtimeId { set.insert(id) }
            }
        }
        return try await get(r)
    }

    /// Removes the container; `{"deleted": false}` when there is none (docs/plugin-abi.md#containers-methods).
    func delete(_ r: ContainerRef) async throws -> DeleteResult {
        let name = try ContainerSpecMapping.checkName(r.name)
        let id = try? await inspect(name).info.runtimeId
        do {
            _ = try await api.send("DELETE", "/containers/\(DockerAPI.encode(name))", query: [("force", (r.force ?? false) ? "1" : "0"), ("v", "1")],
                                   what: "remove container \"\(name)\"")
        } catch let e as WireError where e.code == .notFound {
            // The contract's delete is idempotent: a missing container answers deleted: false.
            return DeleteResult(deleted: false)
        }
        stoppedByCaller.withLock { set in
            if let id { set.remove(id) }
        }
        return DeleteResult(deleted: true)
    }

    func wait(_ r: ContainerRef) async throws -> ContainerExit {
        let name = try ContainerSpecMapping.checkName(r.name)
        let t = try ContainerArguments.waitTimeout(r)
        let what = "wait for container \"\(name)\""
        let response: DockerEngine.HTTPResponse
        do {
            response = try await api.send("POST", "/containers/\(DockerAPI.encode(name))/wait", query: [("condition", "not-running")],
                                          timeoutMs: t * 1000, what: what)
        } catch let e as WireError where e.code == .timeout {
            throw WireError(.timeout, "\(what): still running after \(t) s")
        }
        let doc = try DockerAPI.json(response, what: what)
        guard let code = doc["StatusCode"]?.intValue else {
            throw WireError(.internal, "\(what): expected {\"StatusCode\": n}, got \(response.bodyText.prefix(200))")
        }
        if let message = doc["Error"]?["Message"]?.stringValue, !message.isEmpty {
            throw WireError(.internal, "\(what): the engine reported: \(message)")
        }
        let info = try await inspect(name).info
        return ContainerExit(name: name, exitCode: code, state: info.state)
    }

    func logs(_ r: ContainerRef) async throws -> ContainerLogs {
        let name = try ContainerSpecMapping.checkName(r.name)
        let tail = try ContainerArguments.tail(r)
        let (_, tty) = try await inspect(name)
        // No lines asked for: engines read tail=0 differently (podman as "all"), so none is sent.
        if tail == 0 { return ContainerLogs(name: name, stdout: "", stderr: "") }
        let what = "logs of container \"\(name)\""
        let response = try await api.send("GET", "/containers/\(DockerAPI.encode(name))/logs",
                                          query: [("stdout", "1"), ("stderr", "1"), ("follow", "0"), ("timestamps", "0"),
                                                  ("tail", tail.map(String.init) ?? "all")], what: what)
        if tty { return ContainerLogs(name: name, stdout: response.bodyText, stderr: "") }
        do {
            let (out, err) = try LogFrameDecoder.decode(response.body)
            return ContainerLogs(name: name, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
        } catch {
            throw WireError(.internal, "\(what): \(error.description)")
        }
    }
}
