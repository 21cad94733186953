public import LightningContext

extension ContextIndex {
    /// Replaces the index with `nodes` as if rebuilt from storage generation `generation`: for
    /// `lightning-bench` (docs/benchmarks.md), which fills 100k documents without writing each
    /// through storage. Nothing in the daemon calls it.
    public func replaceAllForBenchmark(_ nodes: [ContextNode], etag: String = "bench", generation: UInt64?) throws {
        beginRebuild()
        try finishRebuild(nodes.map { ($0, etag) }, generation: generation)
    }
}
