import ArgumentParser

/// `lightning`: the daemon (`lightning serve`) and the command-line client for a running daemon.
@main
struct Lightning: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lightning",
        abstract: "An event-driven host for AI agents, providers and drivers.",
        discussion: """
            Run the daemon with `lightning serve` (the default subcommand). Every other subcommand talks \
            to a running daemon over its REST API (--url, or LIGHTNING_URL, default http://127.0.0.1:7777), \
            except `plugins verify` and `plugins pin`, which work offline on manifests.
            """,
        version: "0.1.0",
        subcommands: [
            Serve.self, Health.self, Plugins.self, Providers.self, Drivers.self, Events.self, Storage.self, Config.self,
            Ps.self, Logs.self, Restart.self, Stop.self, Start.self, Functions.self, Containers.self, Tokens.self, Plans.self, Runs.self, Schedules.self, Actions.self, Tasks.self, Instructions.self, ContextHubCommand.self, Cluster.self, PluginHost.self, PlannerAgent.self,
        ],
        defaultSubcommand: Serve.self
    )
}
