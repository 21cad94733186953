import LightningProtocol

/// The `audit.<area>` event `AuditMiddleware` publishes for one administrative call (docs/security.md#audit).
enum AuditEvent {
    /// The audit event of one call; `audit.providers` for `PUT /v1/providers/{kind}`.
    static func make(route: String, method: String, path: String, status: Int, principal: String) -> Event {
        let segments = path.split(separator: "/").map(String.init)
        let area = (segments.first == "v1" ? segments.dropFirst().first : segments.first) ?? "api"
        let type = EventPattern.isValidType("audit.\(area)") ? "audit.\(area)" : "audit.api"
        return Event(type: type, source: "lightning.audit",
                     data: ["principal": .string(principal), "method": .string(method), "route": .string(route),
                            "path": .string(path), "status": .int(status),
                            "outcome": .string((200..<300).contains(status) ? "succeeded" : "failed")])
    }
}
