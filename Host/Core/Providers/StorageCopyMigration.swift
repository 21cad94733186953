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
/// The caller makes the source stand still first (`WriteGate.hold`): the copy is complete only
/// if nothing writes to the old provider meanwhile.
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
