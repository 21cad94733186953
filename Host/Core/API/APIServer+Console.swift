import Foundation
import HTTPTypes
import Hummingbird
import LightningConsole
import LightningProtocol
import NIOCore

extension APIServer {
    /// The web console (docs/console.md): `GET /` gives a browser (`Accept: text/html`) the
    /// console's page and every other client the JSON summary; `GET /console/{file}` serves the
    /// page's CSS and JavaScript. Both open (no data in them: the page asks for a token when the
    /// API answers 401), with `ETag`/`If-None-Match` and `Cache-Control: no-cache` (revalidate, so
    /// a new daemon's files are picked up at once).
    func addConsoleRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/console/:file") { request, ctx in
            let file = try ctx.parameters.string("file")
            guard let asset = ConsoleAssets.asset(file) else {
                throw WireError(.notFound, "the console has no file \"\(file)\" (its files: \(ConsoleAssets.all.keys.sorted().joined(separator: ", ")))")
            }
            return Self.serve(asset, request)
        }
    }

    /// True when the client prefers HTML (a browser navigating to `/`); API clients that send no
    /// `Accept`, `*/*` or `application/json` keep the JSON root.
    static func wantsHTML(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return accept.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return (fields.first == "text/html" || fields.first == "application/xhtml+xml") && q > 0
        }
    }

    /// The asset, or 304 when the client's `If-None-Match` names its tag.
    static func serve(_ asset: ConsoleAssets.Asset, _ request: Request) -> Response {
        var headers: HTTPFields = [.eTag: asset.etag, .cacheControl: "no-cache", .vary: "Accept",
                                   HTTPField.Name("X-Content-Type-Options")!: "nosniff"]
        if asset.contentType.hasPrefix("text/html") {
            // Only the console's own files run, and nothing frames it.
            headers[HTTPField.Name("Content-Security-Policy")!] =
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        }
        if let tags = request.headers[.ifNoneMatch], tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
