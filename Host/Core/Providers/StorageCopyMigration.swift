import LightningProtocol

/// Copies every container and document of one storage provider to another (a `copy` swap), then
/// counts what the new one holds.
///
/// ```
///  old ── containers.list ──▶ for each: container.create on new
///      ── query (pages of 1000) ──▶ upsert each on new ──▶ progress(page)
///  new ── query (count) ── fewer than copied? ──▶ throw (the swap is refused)
/// ```
///
/// Writes go on during `run()`; the caller captures what they change (`WriteGate.startCapture`)
/// and brings it over with `apply(_:)`: in rounds while writes go on, then, writes held, the last
/// few, just before the switch. `apply` re-reads each changed document from the old provider and
/// upserts it, or deletes it from the new one when it is gone (no document is resurrected), so
/// the order of the changes does not matter.
struct StorageCopyMigration: Sendable {
    let old: any ProviderConnection
    let new: any ProviderConnection
    var pageSize = 1000

    /// Where a copy is, after each page.
    struct Progress: Sendable, Equatable {
        var container: String
        var index: Int
        var containers: Int
        var documents: Int
        var totalDocuments: Int
        var containerDone: Bool
    }

    /// - Throws: the first error of either provider, or `WireError(.internal)` when the new
    ///   provider counts fewer documents in a container than were copied into it.
    func run(progress: @Sendable (Progress) async -> Void) async throws -> CopyReport {
        let containers = try await old.call(.containerList).containers
        var total = 0
        for (index, c) in containers.enumerated() {
            _ = try await new.call(.containerCreate, ContainerRequest(container: c))
            var token: String?
            var n = 0
            repeat {
                let page = try await old.call(.documentQuery, QueryRequest(container: c, maxItems: pageSize, continuation: token))
                for d in page.documents {
                    _ = try await new.call(.documentUpsert, WriteRequest(container: c, document: Document(id: d.id, partitionKey: d.partitionKey, data: d.data)))
                }
                n += page.documents.count
                token = page.continuation
                await progress(Progress(container: c, index: index + 1, containers: containers.count, documents: n,
                                        totalDocuments: total + n, containerDone: token == nil))
            } while token != nil
            total += n
            let counted = try await count(c)
            guard counted >= n else {
                throw WireError(.internal, "copy check failed: container \(c): expected at least \(n) documents in \(new.label), counted \(counted)")
            }
        }
        return CopyReport(containers: containers.count, documents: total, verified: true)
    }

    /// Makes the new provider match the old one for every change in `changes`.
    /// - Returns: how many changes were applied.
    /// - Throws: the first error of either provider other than "not found".
    func apply(_ changes: Set<StorageChange>) async throws -> Int {
        guard !changes.isEmpty else { return 0 }
        let live = Set(try await old.call(.containerList).containers)
        // Containers first (a document's container must exist), then documents.
        for case .container(let c) in changes {
            if live.contains(c) {
                _ = try await new.call(.containerCreate, ContainerRequest(container: c))
            } else {
                try await ignoringNotFound { _ = try await new.call(.containerDelete, ContainerRequest(container: c)) }
            }
        }
        var ensured: Set<String> = []
        for case .document(let c, let id, let pk) in changes {
            let key = DocumentKey(container: c, id: id, partitionKey: pk)
            let current: Document?
            do { current = try await old.call(.documentRead, key) } catch let e as WireError where e.code == .notFound { current = nil }
            if let d = current {
                if ensured.insert(c).inserted { _ = try await new.call(.containerCreate, ContainerRequest(container: c)) }
                _ = try await new.call(.documentUpsert, WriteRequest(container: c, document: Document(id: d.id, partitionKey: d.partitionKey, data: d.data)))
            } else {
                try await ignoringNotFound { _ = try await new.call(.documentDelete, key) }
            }
        }
        return changes.count
    }

    private func ignoringNotFound(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let e as WireError where e.code == .notFound {}
    }

    private func count(_ container: String) async throws -> Int {
        var counted = 0
        var token: String?
        repeat {
            let page = try await new.call(.documentQuery, QueryRequest(container: container, maxItems: pageSize, continuation: token))
            counted += page.documents.count
            token = page.continuation
        } while token != nil
        return counted
    }
}
