import Foundation
import AzureSupport
import LightningProtocol

extension ACIContainers {
    /// `GET` the group, with its instance view.
    /// - Throws: `not_found` when there is no such group.
    func get(_ r: ContainerRef) async throws -> ContainerInfo {
        try ContainerGroup.validateName(r.name)
        let reply = try await arm.send("GET", try arm.url(config.groupPath(r.name)))
        if reply.status == 404 {
            throw WireError(.notFound, "no \(describe(r.name)): \(ARMClient.errorText(reply))")
        }
        try arm.check(reply, "GET \(describe(r.name))", ok: [200])
        return ContainerGroup.info(try ARMClient.json(reply, "GET \(describe(r.name))"), name: r.name)
    }

    /// Every container group of the resource group (following `nextLink`, at most 100 pages).
    func listGroups() async throws -> [JSONValue] {
        var url: URL? = try arm.url(config.groupsPath)
        var out: [JSONValue] = []
        var pages = 0
        while let next = url, pages < 100 {
            let what = "GET container groups of resource group \"\(config.resourceGroup)\""
            let reply = try await arm.check(arm.send("GET", next), what, ok: [200])
            let page = try ARMClient.json(reply, what)
            out += page["value"]?.arrayValue ?? []
            url = page["nextLink"]?.stringValue.flatMap(arm.trusted)
            pages += 1
        }
        return out
    }

    /// The groups this plugin created (tag `lightning-runtime: aci-containers`) that carry every
    /// label of `q`, each read again with `GET` because ARM's list leaves out the instance view.
    func list(_ q: ContainerQuery) async throws -> ContainerInfoList {
        let wanted = q.labels ?? [:]
        let names = try await listGroups().filter { g in
            guard ContainerGroup.isManaged(g) else { return false }
            let tags = ContainerGroup.labels(g)
            return wanted.allSatisfy { tags[$0.key] == $0.value }
        }.compactMap { $0["name"]?.stringValue }
        var infos: [ContainerInfo] = []
        // At most four reads at a time: ARM counts reads per subscription and hour.
        for batch in stride(from: 0, to: names.count, by: 4).map({ Array(names[$0..<min($0 + 4, names.count)]) }) {
            try await withThrowingTaskGroup(of: ContainerInfo?.self) { group in
                for name in batch {
                    group.addTask {
                        do { return try await self.get(ContainerRef(name: name)) } catch let e as WireError where e.code == .notFound {
                            return nil  // deleted since the list was read
                        }
                    }
                }
                for try await info in group { if let info { infos.append(info) } }
            }
        }
        return ContainerInfoList(containers: infos.sorted { $0.name < $1.name })
    }

    /// `GET …/containers/{name}/logs[?tail=N]` → `{"content": "…"}`. ACI returns one stream (the
    /// container's stdout and stderr interleaved), reported as `stdout`; `stderr` is always empty.
    func logs(_ r: ContainerRef) async throws -> ContainerLogs {
        try ContainerGroup.validateName(r.name)
        var query: [URLQueryItem] = []
        switch try ContainerArguments.tail(r) {
        case 0?:
            // No lines asked for: the group must exist, but there is nothing to fetch.
            _ = try await get(r)
            return ContainerLogs(name: r.name, stdout: "", stderr: "")
        case let tail?: query.append(URLQueryItem(name: "tail", value: String(tail)))
        case nil: break
        }
        let url = try arm.url(config.groupPath(r.name) + "/containers/\(r.name)/logs", query: query)
        let reply = try await arm.send("GET", url)
        if reply.status == 404 {
            throw WireError(.notFound, "no logs of \(describe(r.name)): \(ARMClient.errorText(reply))")
        }
        try arm.check(reply, "GET logs of \(describe(r.name))", ok: [200])
        let content = try ARMClient.json(reply, "GET logs of \(describe(r.name))")["content"]?.stringValue ?? ""
        return ContainerLogs(name: r.name, stdout: content, stderr: "")
    }
}
