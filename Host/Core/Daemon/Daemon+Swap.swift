import Foundation
import LightningProtocol
import Logging

/// What a provider swap did and how long each step took (docs/hot-swap.md).
public struct SwapReport: Codable, Sendable, Equatable {
    public var kind: String
    public var from: String?
    public var to: String
    /// Load + create + configure + health check of the new provider.
    public var prepareMs: Double
    /// Subscriptions recreated on a new event bus before traffic moved.
    public var subscriptions: Int?
    /// Storage copied before traffic moved (`copy`).
    public var copied: CopyReport?
    /// The atomic switch itself.
    public var switchMs: Double
    /// Deliveries pending on the old event bus, forwarded to the new one after the switch.
    public var forwarded: Int?
    public var totalMs: Double
    /// Health checks of the new provider after the switch; a failure rolls back to the old one.
    public var probationMs: Int

    enum CodingKeys: String, CodingKey {
        case kind, from, to, subscriptions, copied, forwarded
        case prepareMs = "prepare_ms", switchMs = "switch_ms", totalMs = "total_ms", probationMs = "probation_ms"
    }
}

public struct CopyReport: Codable, Sendable, Equatable {
    public var containers: Int
    public var documents: Int
    /// Documents counted in the new provider afterwards, per container, matched the source.
    public var verified: Bool
}

extension Daemon {
    /// Swaps the provider of `kind` for `choice`, make-before-break (docs/hot-swap.md): the new
    /// plugin is loaded (a new version from its own path), configured and health-checked while the
    /// old one keeps serving; any failure leaves the old one in place and says why. Then, for an
    /// event bus, every subscription is created on the new bus; with `copy`, storage is copied.
    /// Traffic moves atomically; in-flight calls finish on the old provider. Deliveries still
    /// pending on an old event bus are forwarded (at least once: duplicates are possible and
    /// bounded by event ids and idempotency keys). The old provider stays open through a
    /// probation window of health checks; a failing new provider is rolled back.
    public func swapProvider(_ kind: Manifest.ProviderKind, to choice: DaemonConfig.ProviderChoice, copy: Bool = false,
                             probationMs: Int = 3000) async throws -> SwapReport {
        let t0 = ContinuousClock.now
        let dir = scanManifests()
        manifests.withLock { map in for m in dir.manifests { map[m.id] = m } }
        guard let m = manifest(choice.plugin) else {
            let known = dir.manifests.filter { $0.kind == .provider && $0.provides == kind }.map(\.id).sorted()
            throw WireError(.notFound, "no \(kind.rawValue) provider \"\(choice.plugin)\"; known: \(known.joined(separator: ", "))")
        }
        guard m.kind == .provider, m.provides == kind else {
            throw WireError(.invalidArgument, "plugin \"\(m.id)\" provides \(m.provides?.rawValue ?? "nothing"), not \(kind.rawValue)")
        }
        let slot = providers.slot(kind)
        let old = slot.current
        if copy, kind != .storage { throw WireError(.invalidArgument, "copy is for storage only") }
        if copy, old == nil { throw WireError(.invalidArgument, "copy: no current storage provider to copy from") }

        // 1. Prepare the new provider while the old one serves.
        let connection: any ProviderConnection
        let cfg: [String: JSONValue]
        let sha256: String
        do {
            cfg = try instanceConfig(m, overrides: choice.config)
            (connection, sha256) = try await makeInstance(m, config: cfg)
        } catch let e as HostError {
            throw WireError(e.code == .configInvalid ? .invalidArgument : .unavailable, "swap refused, \(old?.pluginId ?? "nothing") keeps serving: \(e.message)")
        }
        do {
            let h = try await connection.call(Method.health, Empty(), as: HealthReport.self)
            guard h.status != .unhealthy else { throw WireError(.unavailable, "health check reports unhealthy: \(h.error ?? "no reason given")") }
        } catch {
            await connection.close()
            throw WireError(.unavailable, "swap refused, \(old?.pluginId ?? "nothing") keeps serving: \(m.id) failed its health check: \((error as? WireError)?.message ?? "\(error)")")
        }
        var report = SwapReport(kind: kind.rawValue, from: old.map { "\($0.pluginId)@\($0.version)" }, to: "\(m.id)@\(m.version)",
                                prepareMs: (ContinuousClock.now - t0).milliseconds, switchMs: 0, totalMs: 0, probationMs: probationMs)
        var writesHeld = false
        do {
            if kind == .eventbus, let old {
                report.subscriptions = try await copySubscriptions(from: old.connection, to: connection)
            }
            if copy, let old {
                // Writes wait from here to the switch (reads go on): nothing written to the old
                // provider after the copy began can be left behind.
                await slot.holdWrites()
                writesHeld = true
                report.copied = try await copyStorage(from: old.connection, to: connection)
            }
        } catch {
            if writesHeld { slot.releaseWrites() }
            await connection.close()
            throw WireError(.unavailable, "swap refused, \(old?.pluginId ?? "nothing") keeps serving: preparing \(m.id) failed: \((error as? WireError)?.message ?? "\(error)")")
        }

        // 2. Switch.
        let ts = ContinuousClock.now
        slot.bind(.init(connection: connection, pluginId: m.id, version: m.version.description, boundAt: .now(), config: cfg))
        report.switchMs = (ContinuousClock.now - ts).milliseconds
        if writesHeld { slot.releaseWrites() }
        instanceConfigs.withLock { $0[m.id] = cfg }
        var st = status(of: m, state: .loaded, sha256: sha256)
        st.process = processName(of: connection)
        statuses.withLock { $0[m.id] = st }

        // 3. After: forward what the old bus still holds.
        if kind == .eventbus, let old {
            report.forwarded = await forwardPending(from: old.connection, to: connection)
        }
        report.totalMs = (ContinuousClock.now - t0).milliseconds
        logger.notice("provider swapped", metadata: ["kind": "\(kind.rawValue)", "from": "\(report.from ?? "-")", "to": "\(report.to)",
                                                    "total_ms": "\(report.totalMs)"])
        _ = try? await router.publish([Event(type: "provider.swapped", source: "daemon",
                                             data: (try? Wire.decode(JSONValue.self, from: Wire.encode(report))) ?? .null)])
        metrics.gauge("lightning_provider_swap_total_ms", [("kind", kind.rawValue)], report.totalMs)

        // 4. Probation: the old provider stays open; a failing new one is rolled back.
        if let old {
            let new = connection
            let r = report
            Task { [self] in await self.probation(slot: slot, new: new, old: old, ms: probationMs, report: r) }
        }
        return report
    }

    private func probation(slot: ProviderSlot, new: any ProviderConnection, old: ProviderSlot.Binding, ms: Int, report: SwapReport) async {
        let deadline = ContinuousClock.now + .milliseconds(ms)
        var failures = 0
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(max(50, ms / 6)))
            let ok = (try? await new.call(Method.health, Empty(), as: HealthReport.self)).map { $0.status != .unhealthy } ?? false
            failures = ok ? 0 : failures + 1
            if failures >= 2 {
                slot.bind(old)
                logger.error("provider rolled back: \(report.to) failed its health checks after the swap; \(old.pluginId) serves again")
                var data: [String: JSONValue] = ["kind": .string(report.kind), "from": .string(report.to), "to": .string("\(old.pluginId)@\(old.version)")]
                if report.kind == Manifest.ProviderKind.storage.rawValue {
                    data["note"] = .string("writes made to \(report.to) during its probation stay there; they are not copied back")
                }
                _ = try? await router.publish([Event(type: "provider.rolled_back", source: "daemon", data: .object(data))])
                await new.close()
                return
            }
        }
        await old.connection.close()
    }

    private func copySubscriptions(from old: any ProviderConnection, to new: any ProviderConnection) async throws -> Int {
        let subs = try await old.call(Method.subscriptions, Empty(), as: SubscriptionList.self).subscriptions
        for s in subs { _ = try await new.call(Method.subscribe, s.subscription, as: SubscriptionInfo.self) }
        return subs.count
    }

    /// Moves every delivery still pending on the old bus to the new one, then acknowledges it on
    /// the old. Publishing an event id twice is deduplicated by the new bus. Deliveries the router
    /// leased before the switch settle on the old bus; those that come back (nack, expired lease)
    /// are forwarded by later passes, until nothing is pending or `maxWait` passes.
    private func forwardPending(from old: any ProviderConnection, to new: any ProviderConnection,
                                maxWait: Duration = .seconds(60)) async -> Int {
        let deadline = ContinuousClock.now + maxWait
        var forwarded = 0
        while true {
            forwarded += await forwardPass(from: old, to: new)
            let pending = (try? await old.call(Method.stats, Empty(), as: BusStats.self).pending) ?? 0
            if pending == 0 { break }
            if ContinuousClock.now >= deadline {
                logger.error("swap: \(pending) deliveries still pending on the old event bus after \(maxWait); they stay in its journal")
                break
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return forwarded
    }

    private func forwardPass(from old: any ProviderConnection, to new: any ProviderConnection) async -> Int {
        var forwarded = 0
        guard let subs = try? await old.call(Method.subscriptions, Empty(), as: SubscriptionList.self).subscriptions else { return 0 }
        for s in subs {
            while true {
                guard let batch = try? await old.call(Method.receive, ReceiveRequest(subscription: s.subscription.name, max: 500, waitMs: 0, leaseMs: 600_000),
                                                      as: ReceiveResult.self).deliveries, !batch.isEmpty else { break }
                do {
                    _ = try await new.call(Method.publish, PublishRequest(events: batch.map(\.event)), as: PublishResult.self)
                    _ = try await old.call(Method.ack, AckRequest(subscription: s.subscription.name, deliveryIds: batch.map(\.deliveryId)), as: AckResult.self)
                    forwarded += batch.count
                } catch {
                    logger.error("forwarding pending deliveries of \(s.subscription.name) failed: \(error) (they stay on the old bus)")
                    break
                }
            }
        }
        return forwarded
    }

    /// Progress of a storage copy, after every page (up to 1000 documents): a log line and a
    /// `provider.copy.progress` event (`lightning providers swap --copy` prints them).
    private func copyProgress(container: String, index: Int, of count: Int, documents: Int, total: Int, done: Bool) async {
        logger.info("copy: container \(container) (\(index + 1)/\(count)): \(documents) documents\(done ? ", done" : "")")
        _ = try? await router.publish([Event(type: "provider.copy.progress", source: "daemon", data: [
            "kind": "storage", "container": .string(container), "container_index": .int(index + 1), "containers": .int(count),
            "documents": .int(documents), "total_documents": .int(total), "container_done": .bool(done)])])
    }

    private func copyStorage(from old: any ProviderConnection, to new: any ProviderConnection) async throws -> CopyReport {
        let containers = try await old.call(Method.containerList, Empty(), as: ContainerList.self).containers
        var total = 0
        var verified = true
        for (index, c) in containers.enumerated() {
            _ = try await new.call(Method.containerCreate, ContainerRequest(container: c), as: ContainerResult.self)
            var token: String?
            var n = 0
            repeat {
                let page = try await old.call(Method.documentQuery, QueryRequest(container: c, maxItems: 1000, continuation: token), as: QueryResult.self)
                for d in page.documents {
                    _ = try await new.call(Method.documentUpsert, WriteRequest(container: c, document: Document(id: d.id, partitionKey: d.partitionKey, data: d.data)), as: Document.self)
                }
                n += page.documents.count
                token = page.continuation
                await copyProgress(container: c, index: index, of: containers.count, documents: n, total: total + n, done: token == nil)
            } while token != nil
            logger.info("copied container \(c): \(n) documents")
            total += n
            var counted = 0
            var t2: String?
            repeat {
                let page = try await new.call(Method.documentQuery, QueryRequest(container: c, maxItems: 1000, continuation: t2), as: QueryResult.self)
                counted += page.documents.count
                t2 = page.continuation
            } while t2 != nil
            if counted < n { verified = false }
        }
        guard verified else { throw WireError(.internal, "copy check failed: the new provider holds fewer documents than were copied") }
        return CopyReport(containers: containers.count, documents: total, verified: verified)
    }

}

extension Daemon {
    /// Applies a new config to the running daemon (SIGHUP): every provider kind whose plugin or
    /// effective config differs from what serves it is swapped, make-before-break. Returns one
    /// line per decision; a failed swap leaves the old provider serving and says why.
    public func reload(to new: DaemonConfig) async -> [String] {
        var out: [String] = []
        for kind in Manifest.ProviderKind.allCases {
            guard let choice = new.providers[kind.rawValue] else { continue }
            if choice.plugin == DaemonConfig.builtinProviders[kind.rawValue] { continue }
            let current = providers.slot(kind).current
            var wanted: [String: JSONValue]?
            if let m = manifest(choice.plugin) { wanted = try? instanceConfig(m, overrides: choice.config) }
            if let current, current.pluginId == choice.plugin, let wanted, wanted == current.config {
                continue
            }
            do {
                let r = try await swapProvider(kind, to: choice)
                out.append("\(kind.rawValue): swapped \(r.from ?? "-") → \(r.to) in \(String(format: "%.1f", r.totalMs)) ms")
            } catch {
                out.append("\(kind.rawValue): \((error as? WireError)?.message ?? "\(error)")")
            }
        }
        if new.router != config.router || new.port != config.port || new.host != config.host || new.dataDir != config.dataDir {
            out.append("router, host, port and data_dir changes take effect at the next start")
        }
        if out.isEmpty { out.append("no provider changed") }
        return out
    }
}
