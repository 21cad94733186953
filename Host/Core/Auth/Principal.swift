/// Who is calling the API: the token that authenticated the request, or `anonymous` when
/// authentication is off (or the route is open). Set by `AuthMiddleware` for the request's task
/// (a task-local, so handlers need no custom request context); read by the handlers that apply
/// finer rules (event patterns on `POST /v1/events`).
public struct Principal: Sendable, Equatable {
    /// `tok_…`, or `anonymous`.
    public var id: String
    /// The token, when one authenticated the request.
    public var token: APIToken?

    public static let anonymous = Principal(id: "anonymous", token: nil)

    @TaskLocal public static var current: Principal = .anonymous

    /// True when this caller may publish an event of `type`.
    public func mayPublish(_ type: String) -> Bool { token?.mayPublish(type) ?? true }
}
