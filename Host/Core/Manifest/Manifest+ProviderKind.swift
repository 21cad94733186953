/// What follows from a provider kind's `case` alone (docs/architecture.md#adding-a-provider-kind):
/// its slot in `ProviderManager`, its place in the start-up binds, the `providers.<kind>` config
/// field, `PUT /v1/providers/{kind}`, SIGHUP reloads, and the messages that list the kinds.
extension Manifest.ProviderKind {
    /// The order of the start-up binds: the event bus first (nothing can be accepted without
    /// one; a bus that fails stops the start), then every other kind in declaration order.
    public static var bindOrder: [Self] { [.eventbus] + allCases.filter { $0 != .eventbus } }

    /// The kinds as error messages list them: "storage, eventbus, containers or functions".
    public static var listed: String {
        let names = allCases.map(\.rawValue)
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
