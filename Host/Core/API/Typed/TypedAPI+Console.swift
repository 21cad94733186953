import Foundation
import LightningAPIServer
import LightningConsole
import LightningProtocol
import OpenAPIRuntime

/// `GET /console/{file}`: the web console's CSS and JavaScript (docs/console.md), embedded in the
/// binary. Open (no data in them: the page asks for a token when the API answers 401), with
/// `ETag`/`If-None-Match`, `Cache-Control: no-cache`, `nosniff`, and the content security policy
/// on HTML (`ConsoleAssets.headers`, shared with `GET /`).
extension TypedAPI {
    func getConsoleFile(_ input: Operations.GetConsoleFile.Input) async throws -> Operations.GetConsoleFile.Output {
        let file = input.path.file
        guard let asset = ConsoleAssets.asset(file) else {
            throw WireError(.notFound, "the console has no file \"\(file)\" (its files: \(ConsoleAssets.all.keys.sorted().joined(separator: ", ")))")
        }
        let h = Dictionary(ConsoleAssets.headers(for: asset), uniquingKeysWith: { a, _ in a })
        if ConsoleAssets.notModified(asset, ifNoneMatch: input.headers.ifNoneMatch) {
            return .notModified(.init(headers: .init(eTag: h["ETag"], cacheControl: h["Cache-Control"], vary: h["Vary"],
                                                     xContentTypeOptions: h["X-Content-Type-Options"], contentSecurityPolicy: h["Content-Security-Policy"])))
        }
        let bytes = HTTPBody(asset.bytes)
        let body: Operations.GetConsoleFile.Output.Ok.Body = switch asset.contentType {
        case "text/javascript; charset=utf-8": .textJavascriptCharsetUtf8(bytes)
        case "text/css; charset=utf-8": .textCssCharsetUtf8(bytes)
        case "text/html; charset=utf-8": .textHtmlCharsetUtf8(bytes)
        default: throw WireError(.internal, "GET /console/\(file): content type \"\(asset.contentType)\" is not one the document lists for this operation")
        }
        return .ok(.init(headers: .init(eTag: h["ETag"], cacheControl: h["Cache-Control"], vary: h["Vary"],
                                        xContentTypeOptions: h["X-Content-Type-Options"], contentSecurityPolicy: h["Content-Security-Policy"]),
                         body: body))
    }
}
