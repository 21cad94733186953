import Foundation
import Hummingbird
import LightningProtocol

extension APIServer {
    /// `/v1/processes` (every supervised child) and `/v1/agents`.
    func addProcessRoutes(_ router: Router<BasicRequestContext>) {
        let supervisor = daemon.supervisor
        router.get("/v1/processes") { _, _ in
            APIResponse.json(["processes": supervisor.all.map(\.snapshot)])
        }
        router.get("/v1/processes/:name") { _, ctx in
            APIResponse.json(try Self.child(supervisor, ctx).snapshot)
        }
        router.get("/v1/processes/:name/logs") { request, ctx in
            let c = try Self.child(supervisor, ctx)
            let limit = try request.queryInt("limit", range: 1...1000) ?? 200
            return APIResponse.json(["name": .string(c.name), "lines": try Wire.decode(JSONValue.self, from: Wire.encode(c.logTail(limit)))] as [String: JSONValue])
        }
        router.post("/v1/processes/:name/restart") { _, ctx in
            let c = try Self.child(supervisor, ctx)
            try await c.operate(.restart)
            return APIResponse.json(c.snapshot)
        }
        router.post("/v1/processes/:name/stop") { _, ctx in
            let c = try Self.child(supervisor, ctx)
            try await c.operate(.stop)
            return APIResponse.json(c.snapshot)
        }
        router.post("/v1/processes/:name/start") { _, ctx in
            let c = try Self.child(supervisor, ctx)
            try await c.operate(.start)
            return APIResponse.json(c.snapshot)
        }
        router.get("/v1/agents") { _, _ in
            let stats = daemon.router.stats
            let agents = daemon.router.drivers.compactMap { $0 as? AgentDriver }.sorted { $0.name < $1.name }.map { a in
                AgentInfo(name: a.name, capabilities: a.capabilities, process: a.child.snapshot, stats: stats.drivers[a.name] ?? DriverStats())
            }
            return APIResponse.json(["agents": agents])
        }
    }

    static func child(_ s: Supervisor, _ ctx: BasicRequestContext) throws -> SupervisedChild {
        let name = try ctx.parameters.string("name")
        guard let c = s.child(name) else {
            throw WireError(.notFound, "no process named \"\(name)\" (see GET /v1/processes)")
        }
        return c
    }
}

struct AgentInfo: Encodable {
    var name: String
    var capabilities: [String]
    var process: ProcessSnapshot
    var stats: DriverStats
}
