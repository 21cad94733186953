import NIOCore

/// The first handler of a connection: tells `RequestGuard` that raw bytes arrived (a head
/// starting, the request line's length) before the HTTP decoder sees them.
final class ByteActivityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let requestGuard: RequestGuard

    init(requestGuard: RequestGuard) { self.requestGuard = requestGuard }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if requestGuard.rawBytes(unwrapInboundIn(data)) { context.fireChannelRead(data) }
    }
}
