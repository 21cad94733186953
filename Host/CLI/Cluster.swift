import ArgumentParser
import LightningAPIClient
import LightningProtocol

struct Cluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the daemons sharing this daemon's store, with their liveness (alive, suspect, gone), and who holds which lease.",
        discussion: """
            Every daemon writes a heartbeat to the storage provider (container cluster_nodes); daemons \
            on one shared store (postgres-storage, cosmos-storage) see each other. A node that \
            stopped heartbeating shows as suspect, then gone. With the cluster on, a second table \
            shows who holds which lease (the singleton lease: schedules fire on its holder only) \
            and its fencing token (docs/cluster.md).
            """)
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let r = try await options.client.call { try await $0.getCluster() }
        if options.json { return Output.json(r) }
        if r["enabled"] == false {
            print("cluster membership is off on this daemon (start it with LIGHTNING_CLUSTER=on); listing it alone")
        }
        let rows = (r["nodes"]?.arrayValue ?? []).map { n in
            [Output.text(n["id"]) + (n["self"] == true ? " (this)" : ""), Output.text(n["state"]), Output.text(n["address"]),
             Output.text(n["version"]), Output.text(n["last_heartbeat"]), Output.text(n["load"]?["in_flight"]),
             "\(n["drivers"]?.arrayValue?.count ?? 0)", "\(n["agents"]?.arrayValue?.count ?? 0)"]
        }
        Output.table(["NODE", "STATE", "ADDRESS", "VERSION", "LAST_HEARTBEAT", "IN_FLIGHT", "DRIVERS", "AGENTS"], rows)
        // Who holds which lease, as this daemon last read it (the cluster on only).
        let leases = (r["leases"]?.arrayValue ?? []).map { l in
            [Output.text(l["name"]), Output.text(l["holder"]) + (l["held"] == true ? " (this)" : ""), Output.text(l["token"]),
             l["expires_at"]?.intValue.map { Timestamp(millis: Int64($0)).description } ?? "-"]
        }
        if !leases.isEmpty {
            print("")
            Output.table(["LEASE", "HOLDER", "TOKEN", "EXPIRES_AT"], leases)
        }
    }
}
