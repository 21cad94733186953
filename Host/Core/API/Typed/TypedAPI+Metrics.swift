import Foundation
import LightningAPIServer
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// `/metrics` and `/v1/metrics` (Prometheus text exposition 0.0.4, docs/observability.md), and
/// `/v1/actions`, the actions plans may use (docs/planner.md).
extension TypedAPI {
    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .textPlainVersion_0_0_4(HTTPBody(await MetricsText.render(daemon)))))
    }

    func getMetricsV1(_ input: Operations.GetMetricsV1.Input) async throws -> Operations.GetMetricsV1.Output {
        .ok(.init(body: .textPlainVersion_0_0_4(HTTPBody(await MetricsText.render(daemon)))))
    }

    func listActions(_ input: Operations.ListActions.Input) async throws -> Operations.ListActions.Output {
        let actions = try daemon.actionCatalog.actions.values.sorted { $0.name < $1.name }.map { a in
            var schema: OpenAPIObjectContainer?
            switch a.inputSchema {
            case nil: schema = nil
            case .object(let o)?: schema = try OpenAPIObjectContainer(o)
            case let other?: throw WireError(.internal, "action \(a.name): input_schema is \(other.typeDescription), the document says an object")
            }
            return Components.Schemas.Action(name: a.name, providedBy: a.providedBy, requiredArgs: a.requiredArgs, inputSchema: schema)
        }
        return .ok(.init(body: .json(.init(actions: actions))))
    }
}
