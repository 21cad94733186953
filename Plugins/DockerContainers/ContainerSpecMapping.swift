import Foundation
import LightningProtocol

/// Checks a `ContainerSpec` and turns it into the body of `POST /containers/create`.
enum ContainerSpecMapping {
    /// The contract's name rule (`ContainerArguments.name`, docs/plugin-abi.md#containers-arguments).
    static func checkName(_ name: String) throws -> String { try ContainerArguments.name(name) }

    static let restartPolicies = ["never": "no", "on-failure": "on-failure", "always": "always"]

    /// The create body: `Image`, `Entrypoint`+`Cmd` (when `command` is given it replaces both),
    /// `Env`, `Labels` (with `lightning.managed=true`), `ExposedPorts`, and `HostConfig` with
    /// `Memory` (bytes), `NanoCpus`, `RestartPolicy` and `PortBindings` (each port on an
    /// engine-chosen host port).
    static func createBody(_ s: ContainerSpec) throws -> [UInt8] {
        _ = try checkName(s.name)
        let image = s.image.trimmingCharacters(in: .whitespaces)
        guard !image.isEmpty, !image.contains(" ") else {
            throw WireError(.invalidArgument, "field \"image\": expected an image reference like \"busybox:latest\", got \"\(s.image.prefix(200))\"")
        }
        var body: [String: JSONValue] = ["Image": .string(image), "Tty": .bool(false), "AttachStdout": .bool(false), "AttachStderr": .bool(false)]
        if let command = s.command {
            guard let first = command.first, !first.isEmpty else {
                throw WireError(.invalidArgument, "field \"command\": expected a non-empty array whose first element is the program, got \(command)")
            }
            body["Entrypoint"] = .array([.string(first)])
            body["Cmd"] = .array(command.dropFirst().map { .string($0) })
        }
        if let env = s.environment {
            var list: [JSONValue] = []
            for (k, v) in env.sorted(by: { $0.key < $1.key }) {
                guard !k.isEmpty, !k.contains("="), !k.contains("\0") else {
                    throw WireError(.invalidArgument, "field \"environment\": expected variable names without \"=\", got \"\(k.prefix(80))\"")
                }
                list.append(.string("\(k)=\(v)"))
            }
            body["Env"] = .array(list)
        }
        var labels: [String: JSONValue] = [:]
        for (k, v) in s.labels ?? [:] {
            guard !k.isEmpty else { throw WireError(.invalidArgument, "field \"labels\": expected non-empty keys") }
            guard k != DockerContainers.managedLabel else {
                throw WireError(.invalidArgument, "field \"labels\": \"\(k)\" is set by the runtime on every container it creates")
            }
            labels[k] = .string(v)
        }
        labels[DockerContainers.managedLabel] = .string("true")
        body["Labels"] = .object(labels)
        var host: [String: JSONValue] = [:]
        if let mb = s.memoryMb {
            guard (6...1_048_576).contains(mb) else {
                throw WireError(.invalidArgument, "field \"memory_mb\": expected 6 to 1048576 (Docker's minimum is 6 MB), got \(mb)")
            }
            host["Memory"] = .int(mb * 1024 * 1024)
        }
        if let cpu = s.cpu {
            guard cpu.isFinite, cpu >= 0.01, cpu <= 1024 else {
                throw WireError(.invalidArgument, "field \"cpu\": expected 0.01 to 1024 cores, got \(cpu)")
            }
            host["NanoCpus"] = .int(Int((cpu * 1e9).rounded()))
        }
        if let policy = s.restartPolicy {
            guard let name = restartPolicies[policy] else {
                throw WireError(.invalidArgument, "field \"restart_policy\": expected never, on-failure or always, got \"\(policy.prefix(40))\"")
            }
            host["RestartPolicy"] = .object(["Name": .string(name)])
        }
        if let ports = s.ports, !ports.isEmpty {
            var exposed: [String: JSONValue] = [:]
            var bindings: [String: JSONValue] = [:]
            for p in ports {
                guard (1...65_535).contains(p) else { throw WireError(.invalidArgument, "field \"ports\": expected 1 to 65535, got \(p)") }
                exposed["\(p)/tcp"] = .object([:])
                bindings["\(p)/tcp"] = .array([.object(["HostPort": .string("")])])
            }
            body["ExposedPorts"] = .object(exposed)
            host["PortBindings"] = .object(bindings)
        }
        body["HostConfig"] = .object(host)
        return Array(try JSONEncoder().encode(JSONValue.object(body)))
    }
}
