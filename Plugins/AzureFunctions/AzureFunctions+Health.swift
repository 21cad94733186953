import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import AzureSupport
import LightningProtocol

extension AzureFunctions {
    /// `GET {app_url}/admin/host/status` with the master key: `healthy` when the host says
    /// `Running`, `degraded` while it starts, `unhealthy` with the reason otherwise. Without a
    /// master key nothing is checked (`healthy`, `details.checked` false).
    func health() async -> HealthReport {
        var details: [String: JSONValue] = ["app_url": .string(config.appURL.absoluteString),
                                            "functions": .int(config.functions.count)]
        guard let key = config.masterKey else {
            details["checked"] = false
            details["note"] = "not checked: no master_key to call /admin/host/status with"
            return HealthReport(status: .healthy, latencyMs: 0, details: .object(details))
        }
        details["checked"] = true
        let url = config.appURL.appendingPathComponent("admin/host/status")
        let clock = ContinuousClock()
        let t0 = clock.now
        func report(_ status: HealthReport.Status, _ error: String?) -> HealthReport {
            let d = clock.now - t0
            let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            return HealthReport(status: status, latencyMs: ms, details: .object(details), error: error)
        }
        do {
            let reply = try await http.send({
                var r = URLRequest(url: url)
                r.httpMethod = "GET"
                r.setValue("application/json", forHTTPHeaderField: "Accept")
                r.setValue(key.exposed, forHTTPHeaderField: "x-functions-key")
                r.timeoutInterval = 15
                return r
            }, policy: AzureHTTP.RetryPolicy(maxThrottleRetries: 1, ceiling: .seconds(2)))
            guard reply.status == 200 else {
                let why = reply.status == 401 || reply.status == 403 ? " (the master key was refused)" : ""
                var excerpt = reply.bodyText(limit: 200)
                for s in config.secrets { excerpt = excerpt.replacingOccurrences(of: s.exposed, with: "***") }
                return report(.unhealthy, "GET \(url.absoluteString) answered HTTP \(reply.status)\(why): \(excerpt.isEmpty ? "empty body" : excerpt)")
            }
            let status = (try? Wire.decode(JSONValue.self, from: reply.body)) ?? .null
            let state = status["state"]?.stringValue ?? "unknown"
            details["state"] = .string(state)
            if let v = status["version"] { details["version"] = v }
            switch state {
            case "Running":
                return report(.healthy, nil)
            case "Default", "Starting", "Initialized":
                return report(.degraded, "the function host is \(state), not Running yet")
            default:
                let errors = status["errors"]?.arrayValue?.compactMap(\.stringValue).joined(separator: "; ")
                return report(.unhealthy, "the function host reports state \(state)\(errors.map { $0.isEmpty ? "" : ": \($0)" } ?? "")")
            }
        } catch {
            return report(.unhealthy, "\(error)")
        }
    }
}
