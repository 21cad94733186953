import Foundation
import HTTPTypes
import LightningPlanner
import LightningProtocol
import OpenAPIRuntime

/// For the operations whose domain parser reports every problem of a body at once, each with
/// its JSON path (plans, instructions), that parser runs on the body before the generated
/// decoder, which would stop at the first problem. A body it refuses is answered here as the
/// operation documents it: the plan verdict (`validatePlan` 200, `savePlan` 422) or an
/// instruction's 400 naming every problem. A body it accepts goes on to the typed handler with
/// what the parser made of it (`ValidatedBody`), so nothing is parsed twice.
struct WholeBodyValidationMiddleware: ServerMiddleware {
    let daemon: Daemon

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        func path(_ name: String) -> String? { metadata.pathParameters[name].map { String($0).removingPercentEncoding ?? String($0) } }
        switch operationID {
        case "validatePlan", "savePlan":
            if operationID == "savePlan", let id = path("id") { try PlanStore.checkId(id) }
            let (plan, problems) = PlanValidator.validate(Data(RequestBodyBytes.current), actions: daemon.actionCatalog)
            guard let plan, problems.isEmpty else {
                let refused = operationID == "savePlan"
                let id = path("id") ?? ""
                let verdict = PlanVerdict(valid: false, problems: problems,
                                          error: refused ? WireError(.invalidArgument, "plan \(id) is not valid: \(problems.count) problem(s); nothing was saved") : nil)
                return (HTTPResponse(status: refused ? .unprocessableContent : .ok, headerFields: [.contentType: "application/json; charset=utf-8"]),
                        HTTPBody(try Wire.encode(verdict)))
            }
            return try await ValidatedBody.$plan.withValue(plan) { try await next(request, body, metadata) }
        case "saveInstruction":
            let name = path("name") ?? ""
            try Instruction.checkName(name)
            let instruction = try Instruction.parse(try RequestBodyBytes.json(), name: name)
            return try await ValidatedBody.$instruction.withValue(instruction) { try await next(request, body, metadata) }
        default:
            return try await next(request, body, metadata)
        }
    }

    /// A refused plan's verdict, as `PlanVerdict` in the document.
    struct PlanVerdict: Encodable {
        var valid: Bool
        var problems: [PlanProblem]
        var error: WireError?
    }
}

/// What `WholeBodyValidationMiddleware`'s parser made of the current body, for the typed handler.
enum ValidatedBody {
    /// `validatePlan`, `savePlan`: the plan, valid against the daemon's actions.
    @TaskLocal static var plan: Plan?
    /// `saveInstruction`: the instruction, named by the path.
    @TaskLocal static var instruction: Instruction?
}
