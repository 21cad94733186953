import Foundation
import LightningProtocol

/// The mapping between the containers contract and ACI container groups (api-version
/// 2023-05-01): one group per container, named like the container, holding one container of
/// the same name.
enum ContainerGroup {
    /// The tag that marks groups created by this plugin; `containers.list` without labels lists
    /// only groups that carry it. It is not reported among a container's labels.
    static let managedTag = "lightning-runtime"
    static let managedValue = "aci-containers"

    /// The contract's name rule (`ContainerArguments.name`, docs/plugin-abi.md#containers-arguments),
    /// which is ACI's rule for container group names.
    static func validateName(_ name: String, field: String = "name") throws {
        try ContainerArguments.name(name, field: field)
    }

    /// The PUT body for `spec`.
    /// - Throws: `WireError(.invalidArgument)` naming the spec field that ACI cannot take.
    static func body(_ spec: ContainerSpec, config: ACIConfig) throws -> JSONValue {
        try validateName(spec.name)
        guard !spec.image.isEmpty, !spec.image.contains(where: \.isWhitespace) else {
            throw WireError(.invalidArgument, "field \"image\": expected an image reference such as mcr.microsoft.com/azurelinux/busybox:1.36, got \"\(spec.image)\"")
        }
        let cpu = spec.cpu ?? 1
        guard cpu > 0, cpu.isFinite else { throw WireError(.invalidArgument, "field \"cpu\": expected a number of cores > 0, got \(cpu)") }
        let memoryMb = spec.memoryMb ?? 1536
        guard memoryMb > 0 else { throw WireError(.invalidArgument, "field \"memory_mb\": expected an integer > 0, got \(memoryMb)") }
        let memoryGB = (Double(memoryMb) / 1024 * 10).rounded(.up) / 10

        let restart: String
        switch spec.restartPolicy ?? "never" {
        case "never": restart = "Never"
        case "on-failure": restart = "OnFailure"
        case "always": restart = "Always"
        case let other:
            throw WireError(.invalidArgument, "field \"restart_policy\": expected \"never\", \"on-failure\" or \"always\", got \"\(other)\"")
        }

        var container: [String: JSONValue] = [
            "image": .string(spec.image),
            "resources": ["requests": ["cpu": .double(cpu), "memoryInGB": .double(memoryGB)]],
        ]
        if let command = spec.command {
            guard !command.isEmpty else { throw WireError(.invalidArgument, "field \"command\": expected at least one element, got []") }
            container["command"] = .array(command.map(JSONValue.string))
        }
        if let env = spec.environment, !env.isEmpty {
            var vars: [JSONValue] = []
            for (k, v) in env.sorted(by: { $0.key < $1.key }) {
                guard !k.isEmpty, !k.contains("="), !k.contains("\0") else {
                    throw WireError(.invalidArgument, "field \"environment\": variable name \"\(k)\" is empty or contains '=' or NUL")
                }
                vars.append(["name": .string(k), (config.secureEnvironment ? "secureValue" : "value"): .string(v)])
            }
            container["environmentVariables"] = .array(vars)
        }
        var group: [String: JSONValue] = [
            "osType": .string(config.osType),
            "restartPolicy": .string(restart),
        ]
        if let ports = spec.ports, !ports.isEmpty {
            for (i, p) in ports.enumerated() where !(1...65535).contains(p) {
                throw WireError(.invalidArgument, "field \"ports[\(i)]\": expected a port from 1 to 65535, got \(p)")
            }
            let list = JSONValue.array(Array(Set(ports)).sorted().map { ["port": .int($0), "protocol": "TCP"] })
            container["ports"] = list
            group["ipAddress"] = ["type": .string(config.ipAddressType), "ports": list]
        }
        group["containers"] = [["name": .string(spec.name), "properties": .object(container)]]

        var tags: [String: JSONValue] = [managedTag: .string(managedValue)]
        for (k, v) in spec.labels ?? [:] {
            guard k != managedTag else { throw WireError(.invalidArgument, "field \"labels\": \"\(managedTag)\" is reserved by this plugin") }
            guard !k.isEmpty, k.count <= 512, !k.contains(where: { "<>%&\\?/".contains($0) }) else {
                throw WireError(.invalidArgument, "field \"labels\": key \"\(k)\": expected 1 to 512 characters without < > % & \\ ? / (Azure tag names)")
            }
            guard v.count <= 256 else { throw WireError(.invalidArgument, "field \"labels.\(k)\": expected at most 256 characters (Azure tag values), got \(v.count)") }
            tags[k] = .string(v)
        }
        guard tags.count <= 50 else {
            throw WireError(.invalidArgument, "field \"labels\": expected at most 49 labels (Azure allows 50 tags, one is this plugin's), got \(tags.count - 1)")
        }
        return ["location": .string(config.location), "tags": .object(tags), "properties": .object(group)]
    }

    /// The labels of a group: its tags without this plugin's marker.
    static func labels(_ group: JSONValue) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in group["tags"]?.objectValue ?? [:] where k != managedTag { if let s = v.stringValue { out[k] = s } }
        return out
    }

    static func isManaged(_ group: JSONValue) -> Bool { group["tags"]?[managedTag]?.stringValue == managedValue }

    /// Reads a group (a GET reply, with its instance view) as a `ContainerInfo`:
    ///
    /// | ARM says | state |
    /// |---|---|
    /// | `provisioningState` `Failed` | `failed` |
    /// | `instanceView.state` `Stopped` | `stopped` |
    /// | container `currentState.state` `Running` | `running` |
    /// | container `Terminated`, `exitCode` 0 / other | `succeeded` / `failed` |
    /// | container `Waiting`, or `provisioningState` `Creating`/`Pending`/`Accepted`/`Updating` | `pending` |
    /// | group `Running` / `Succeeded` / `Failed` without a container view | `running` / `succeeded` / `failed` |
    /// | anything else (`Deleting`, …) | `unknown` |
    static func info(_ g: JSONValue, name fallback: String) -> ContainerInfo {
        let props = g["properties"]
        let name = g["name"]?.stringValue ?? fallback
        let containers = props?["containers"]?.arrayValue ?? []
        let container = containers.first { $0["name"]?.stringValue == name } ?? containers.first
        let cprops = container?["properties"]
        let view = cprops?["instanceView"]
        let current = view?["currentState"]
        let groupState = props?["instanceView"]?["state"]?.stringValue
        let provisioning = props?["provisioningState"]?.stringValue
        let exitCode = current?["exitCode"]?.intValue
        let containerState = current?["state"]?.stringValue

        let state: ContainerInfo.State
        if provisioning == "Failed" {
            state = .failed
        } else if groupState == "Stopped" {
            state = .stopped
        } else if let cs = containerState {
            switch cs {
            case "Running": state = .running
            case "Terminated": state = (exitCode ?? (groupState == "Succeeded" ? 0 : 1)) == 0 ? .succeeded : .failed
            case "Waiting": state = .pending
            default: state = .unknown
            }
        } else if let gs = groupState, ["Running", "Succeeded", "Failed", "Pending"].contains(gs) {
            state = gs == "Running" ? .running : gs == "Succeeded" ? .succeeded : gs == "Failed" ? .failed : .pending
        } else if let p = provisioning, ["Creating", "Pending", "Accepted", "Updating", "Repairing"].contains(p) {
            state = .pending
        } else {
            state = .unknown
        }

        // The runtime's own words: the container's detail status, else the last event.
        var detail = current?["detailStatus"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if detail == nil || state == .failed {
            let events = (view?["events"]?.arrayValue ?? []) + (props?["instanceView"]?["events"]?.arrayValue ?? [])
            if let last = events.last, let message = last["message"]?.stringValue, !message.isEmpty {
                let reason = last["name"]?.stringValue ?? last["reason"]?.stringValue
                let text = reason.map { "\($0): \(message)" } ?? message
                detail = detail.map { "\($0); \(text)" } ?? text
            }
        }
        if detail == nil, state == .pending || state == .unknown, let p = provisioning { detail = "provisioning \(p)" }
        if detail == nil, state == .stopped { detail = "Stopped" }

        let labels = labels(g)
        return ContainerInfo(
            name: name, image: cprops?["image"]?.stringValue ?? "", state: state, runtimeId: g["id"]?.stringValue,
            exitCode: exitCode, labels: labels.isEmpty ? nil : labels,
            createdAt: g["systemData"]?["createdAt"]?.stringValue.flatMap(timestamp),
            startedAt: current?["startTime"]?.stringValue.flatMap(timestamp),
            finishedAt: current?["finishTime"]?.stringValue.flatMap(timestamp),
            detail: detail)
    }

    /// An ARM time (`2026-11-25T10:00:00.1234567Z`: up to seven fractional digits) as a
    /// `Timestamp`. The fraction is cut to milliseconds first: `Timestamp(rfc3339:)` traps on
    /// more than three digits.
    static func timestamp(_ s: String) -> Timestamp? {
        guard let dot = s.firstIndex(of: "."), let end = s[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) else {
            return Timestamp(rfc3339: s)
        }
        let digits = s[s.index(after: dot)..<end]
        guard digits.count > 3 else { return Timestamp(rfc3339: s) }
        return Timestamp(rfc3339: String(s[..<dot]) + "." + digits.prefix(3) + String(s[end...]))
    }
}
