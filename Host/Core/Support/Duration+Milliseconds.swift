extension Duration {
    /// The duration in (fractional) milliseconds, for reports and latency figures.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
