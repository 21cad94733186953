import Foundation
import LightningProtocol

extension APIServer {
    /// Applies `ManifestPolicy` to a manifest submitted over the API, resolving its program as
    /// the supervisor will (`${manifest_dir}` of an API deployment is `<data_dir>/functions`).
    /// - Throws: `WireError(.permissionDenied)` naming the policy.
    func checkSubmittedManifest(_ manifest: JSONValue) throws {
        let manifestDir = daemon.config.dataDir.appendingPathComponent("functions", isDirectory: true).resolvingSymlinksInPath().path
        var program: String?
        if let command = manifest["process"]?["command"]?.stringValue {
            // A command that does not resolve is refused by the deployment itself (400, naming
            // where it looked); the policy only judges programs that would run.
            program = try? daemon.supervisor.resolve(command, manifestDir: manifestDir, subject: "request body")
        }
        try daemon.manifestPolicy.check(manifest: manifest, program: program, manifestDir: manifestDir)
    }
}
