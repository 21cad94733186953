// A build-tool plugin that embeds a target's non-Swift files (the OpenAPI document, the web
// console's HTML, CSS and JavaScript) in the binary, so the daemon stays one file with nothing
// to install beside it. It runs `lt-embed`, which writes one Swift file declaring
// `enum EmbeddedFiles { static let all: [String: [UInt8]] }`, keyed by each file's path
// relative to the target's folder ("openapi.json", "js/app.js").
import Foundation
import PackagePlugin

@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let module = target as? any SourceModuleTarget else { return [] }
        let inputs = module.sourceFiles
            .filter { $0.type != .source && $0.type != .header }
            .map(\.url)
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) files of \(module.name)",
                executable: try context.tool(named: "lt-embed").url,
                arguments: [output.path, module.directoryURL.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
