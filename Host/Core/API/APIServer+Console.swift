import Foundation
import HTTPTypes
import Hummingbird
import LightningConsole
import LightningProtocol
import NIOCore

extension APIServer {
    // The web console (docs/console.md): `GET /` gives a browser (`Accept: text/html`) the
    // console's page (APIServer+System.swift) and every other client the JSON summary;
    // `GET /console/{file}` is generated (TypedAPI+Console.swift).

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

    /// The console's page for `GET /`, or 304 when the client's `If-None-Match` names its tag;
    /// the same headers as `GET /console/{file}` (`ConsoleAssets.headers`).
    static func serve(_ asset: ConsoleAssets.Asset, _ request: Request) -> Response {
        var headers = HTTPFields()
        for (name, value) in ConsoleAssets.headers(for: asset) { headers[HTTPField.Name(name)!] = value }
        if ConsoleAssets.notModified(asset, ifNoneMatch: request.headers[.ifNoneMatch]) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
