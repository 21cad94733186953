import Foundation
import AzureSupport
import LightningPluginKit
import LightningProtocol

extension ACIContainers {
    /// Creates the container group and waits (up to `provisioning_timeout_seconds`) until ARM
    /// reports its provisioning finished. A group whose provisioning failed (an image that cannot
    /// be pulled, a quota) is returned with state `failed` and ARM's words in `detail`; one still
    /// provisioning when the wait ends is returned as `pending`.
    /// - Throws: `conflict` when a group of that name exists, `unsupported` for `start: false`
    ///   (ACI starts a group when it creates it), `invalid_argument` for a spec ACI cannot take,
    ///   and the ARM and token errors of `ARMClient`.
    func create(_ s: ContainerSpec) async throws -> ContainerInfo {
        if s.start == false {
            throw WireError(.unsupported, "field \"start\": ACI starts a container group as soon as it is created; start: false is not offered (create the container when it should run)")
        }
        let body = try Wire.encode(try ContainerGroup.body(s, config: config))
        let url = try arm.url(config.groupPath(s.name))
        let existing = try await arm.send("GET", url)
        if existing.status == 200 {
            throw WireError(.conflict, "\(describe(s.name)) already exists; delete it first or choose another name")
        }
        try arm.check(existing, "GET \(describe(s.name))", ok: [404])
        let reply = try await arm.send("PUT", url, body: body)
        try arm.check(reply, "PUT \(describe(s.name))", ok: [200, 201])
        context.log(.info, "created \(describe(s.name)) with image \(s.image)")
        let group = try await awaitProvisioning(s.name, initial: reply)
        return ContainerGroup.info(group, name: s.name)
    }

    /// Polls the group until `provisioningState` is `Succeeded`, `Failed` or `Canceled`, or the
    /// provisioning timeout passes; returns the last group read.
    func awaitProvisioning(_ name: String, initial: HTTPReply) async throws -> JSONValue {
        let url = try arm.url(config.groupPath(name))
        var group = try ARMClient.json(initial, "PUT \(describe(name))")
        var delay = pollDelay(initial)
        let deadline = ContinuousClock.now + config.provisioningTimeout
        while !["Succeeded", "Failed", "Canceled"].contains(group["properties"]?["provisioningState"]?.stringValue ?? "") {
            guard ContinuousClock.now + delay <= deadline else {
                context.log(.warning, "\(describe(name)) still provisioning after \(config.provisioningTimeout); returning it as pending")
                return group
            }
            try await Task.sleep(for: delay)
            let reply = try await arm.check(arm.send("GET", url), "GET \(describe(name))", ok: [200])
            group = try ARMClient.json(reply, "GET \(describe(name))")
            delay = pollDelay(reply)
        }
        return group
    }

    /// The wait before the next poll: the reply's `Retry-After` (at most 60 s), else `poll_interval_ms`.
    func pollDelay(_ reply: HTTPReply) -> Duration {
        if let s = reply[header: "retry-after"].flatMap(Double.init), s >= 0 { return .milliseconds(Int64(min(s, 60) * 1000)) }
        return config.pollInterval
    }

    /// Follows an `Azure-AsyncOperation` URL until its `status` is `Succeeded`, `Failed` or
    /// `Canceled`, or the provisioning timeout passes.
    /// - Throws: `unavailable` with ARM's error when the operation failed or was cancelled.
    func awaitOperation(_ url: URL, _ what: String) async throws {
        let deadline = ContinuousClock.now + config.provisioningTimeout
        var delay = config.pollInterval
        while ContinuousClock.now + delay <= deadline {
            try await Task.sleep(for: delay)
            let reply = try await arm.check(arm.send("GET", url), "\(what) (operation status)", ok: [200])
            let op = try ARMClient.json(reply, "\(what) (operation status)")
            switch op["status"]?.stringValue {
            case "Succeeded"?: return
            case let s? where s == "Failed" || s == "Canceled":
                let e = op["error"]
                let text = [e?["code"]?.stringValue, e?["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
                throw WireError(.unavailable, "ACI: \(what): the operation ended \(s)\(text.isEmpty ? "" : ": \(text)")")
            default:
                delay = pollDelay(reply)
            }
        }
        context.log(.warning, "ACI: \(what) still in progress after \(config.provisioningTimeout)")
    }

    /// `POST …/start` (a long-running operation), then the group as it is then.
    func start(_ r: ContainerRef) async throws -> ContainerInfo {
        try ContainerGroup.validateName(r.name)
        let url = try arm.url(config.groupPath(r.name) + "/start")
        let reply = try await arm.check(arm.send("POST", url), "POST start of \(describe(r.name))", ok: [200, 202, 204])
        if reply.status == 202, let op = reply[header: "azure-asyncoperation"].flatMap(arm.trusted) {
            try await awaitOperation(op, "start of \(describe(r.name))")
        }
        return try await get(r)
    }

    /// `POST …/stop` (204): ACI stops every container of the group at once and releases its
    /// compute; `timeout_seconds` does not apply (there is no grace period to set).
    func stop(_ r: ContainerRef) async throws -> ContainerInfo {
        try ContainerGroup.validateName(r.name)
        _ = try ContainerArguments.stopTimeout(r)  // checked as every runtime checks it, though ACI has no grace period
        let url = try arm.url(config.groupPath(r.name) + "/stop")
        try arm.check(try await arm.send("POST", url), "POST stop of \(describe(r.name))", ok: [200, 202, 204])
        return try await get(r)
    }

    /// `DELETE` the group. Without `force`, a running container is refused with `conflict` (as
    /// Docker does); ACI itself deletes running groups. `deleted` is false when there was no such
    /// group. After a 202 the group is polled until it is gone (bounded by the provisioning timeout).
    func delete(_ r: ContainerRef) async throws -> DeleteResult {
        try ContainerGroup.validateName(r.name)
        let url = try arm.url(config.groupPath(r.name))
        if r.force != true {
            let current = try await arm.send("GET", url)
            if current.status == 404, !ARMClient.errorText(current).hasPrefix("ResourceGroupNotFound") { return DeleteResult(deleted: false) }
            try arm.check(current, "GET \(describe(r.name))", ok: [200])
            let info = ContainerGroup.info(try ARMClient.json(current, "GET \(describe(r.name))"), name: r.name)
            if info.state == .running {
                throw WireError(.conflict, "\(describe(r.name)) is running; stop it first or delete with force")
            }
        }
        let reply = try await arm.send("DELETE", url)
        if reply.status == 404, !ARMClient.errorText(reply).hasPrefix("ResourceGroupNotFound") { return DeleteResult(deleted: false) }
        try arm.check(reply, "DELETE \(describe(r.name))", ok: [200, 202, 204])
        if reply.status == 204 { return DeleteResult(deleted: false) }
        if reply.status == 202 {
            let deadline = ContinuousClock.now + config.provisioningTimeout
            while ContinuousClock.now + config.pollInterval <= deadline {
                try await Task.sleep(for: config.pollInterval)
                if try await arm.send("GET", url).status == 404 { break }
            }
        }
        context.log(.info, "deleted \(describe(r.name))")
        return DeleteResult(deleted: true)
    }

    /// Polls until the container has exited (`succeeded`, `failed`) or was stopped, for at most
    /// `timeout_seconds` (default 60). The exit code is -1 when ACI reports none (a group stopped
    /// before its container ended).
    /// - Throws: `timeout` when it is still pending or running at the end.
    func wait(_ r: ContainerRef) async throws -> ContainerExit {
        try ContainerGroup.validateName(r.name)
        let limit = try ContainerArguments.waitTimeout(r)
        let deadline = ContinuousClock.now + .seconds(limit)
        while true {
            let info = try await get(r)
            if [.succeeded, .failed, .stopped].contains(info.state) {
                return ContainerExit(name: info.name, exitCode: info.exitCode ?? -1, state: info.state)
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw WireError(.timeout, "\(describe(r.name)) did not exit within \(limit) s (state \(info.state.rawValue)\(info.detail.map { ", \($0)" } ?? ""))")
            }
            try await Task.sleep(for: min(config.pollInterval, left))
        }
    }
}
