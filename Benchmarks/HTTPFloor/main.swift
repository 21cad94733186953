import Foundation
import Hummingbird
import Logging

// `lt-http-floor PORT`: a bare Hummingbird 2 server with the daemon's HTTP stack (the same
// package versions, the default event loop group) and none of its routes, middleware or work: the
// floor the `events` benchmark compares the daemon's HTTP cost with. `GET /` answers a small
// JSON object; `POST /` collects the body and answers `{"accepted": <bytes>}` with 202.
let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 0 : 0
let router = Router()
router.get("/") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
}
router.post("/") { request, _ -> Response in
    var req = request
    let body = try await req.collectBody(upTo: 4 << 20)
    return Response(status: .accepted, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"accepted":\#(body.readableBytes)}"#)))
}
var logger = Logger(label: "lt-http-floor")
logger.logLevel = .warning
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                      onServerRunning: { channel in
                          // Unbuffered: the benchmark reads this line from a pipe.
                          FileHandle.standardOutput.write(Data("listening on :\(channel.localAddress?.port ?? 0)\n".utf8))
                      },
                      logger: logger)
try await app.runService()
