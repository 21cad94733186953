import LightningProtocol

extension ProviderSlot {
    /// Every document of `container` matching `where`, all pages, each decoded as `T`; an empty
    /// list when the container does not exist (reads never create one).
    /// - Throws: the storage provider's errors other than `not_found`; a decoding error naming the document.
    func allDocuments<T: Decodable>(in container: String, where filter: [String: JSONValue] = [:], as: T.Type) async throws -> [T] {
        var out: [T] = []
        var continuation: String?
        repeat {
            let page: QueryResult
            do {
                page = try await call(Method.documentQuery, QueryRequest(container: container, where: filter, maxItems: 100, continuation: continuation),
                                      as: QueryResult.self)
            } catch let e as WireError where e.code == .notFound {
                return []
            }
            out += try page.documents.map { try Wire.decode(T.self, from: Wire.encode($0.data), what: "\(container)/\($0.id)") }
            continuation = page.continuation
        } while continuation != nil
        return out
    }
}
