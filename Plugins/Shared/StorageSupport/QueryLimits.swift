public import LightningProtocol

/// The contract's page size for `storage.query` (docs/plugin-abi.md), the same in every provider.
public enum QueryLimits {
    public static let defaultMaxItems = 100
    public static let maxItemsRange = 1...1000

    /// Checks the request's container name and `max_items`; returns the page size to use.
    /// - Throws: `WireError(.invalidArgument)` naming the container or the field.
    public static func pageSize(of q: QueryRequest) throws -> Int {
        try StorageNames.checkContainer(q.container)
        let limit = q.maxItems ?? defaultMaxItems
        guard maxItemsRange.contains(limit) else {
            throw WireError(.invalidArgument, "field \"max_items\": expected an integer from 1 to 1000, got \(limit)")
        }
        return limit
    }
}
