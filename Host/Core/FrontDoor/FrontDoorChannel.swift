public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The daemon's HTTP/1.1 connection setup: Hummingbird's `HTTP1Channel` pipeline with the
/// daemon's limits (`HTTPLimits`) and deadlines in it (`RequestGuard`), each connection entered
/// in its listener's `ConnectionRegistry`. Requests then go through Hummingbird's own loop
/// (`handleHTTP`) to the router.
public struct FrontDoorChannel: HTTPChannelHandler {
    public typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    /// Header lines accepted in one head (the decoder's field count limit).
    static let maxHeaderFields = 256

    public let responder: HTTPChannelHandler.Responder
    let limits: HTTPLimits
    let registry: ConnectionRegistry
    /// Unix socket listener: read each peer's `SO_PEERCRED` when it connects, and run its
    /// requests with `PeerCredentials.current` set.
    let readsPeerCredentials: Bool

    init(responder: @escaping HTTPChannelHandler.Responder, limits: HTTPLimits, registry: ConnectionRegistry, readsPeerCredentials: Bool) {
        self.responder = responder
        self.limits = limits
        self.registry = registry
        self.readsPeerCredentials = readsPeerCredentials
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard readsPeerCredentials else {
            // A sandboxed child sharing the daemon's network namespace ("network": true) is not served.
            if case .uid(let uid) = LoopbackPeer.lookup(channel), uid == LoopbackPeer.sandboxUID {
                logger.notice("refused a loopback connection from uid \(uid) (sandboxed children's uid): children do not reach the control plane")
                channel.close(promise: nil)  // a failed setup alone does not close the accepted channel
                return channel.eventLoop.makeFailedFuture(SandboxedPeerRefused(uid: uid))
            }
            return configure(channel: channel, peer: nil, logger: logger)
        }
        // A connection whose peer cannot be identified is not served (the failed future closes it).
        return PeerCredentials.read(from: channel)
            .flatMapErrorThrowing { error in channel.close(promise: nil); throw error }
            .flatMap { peer in configure(channel: channel, peer: peer, logger: logger) }
    }

    private func configure(channel: any Channel, peer: PeerCredentials?, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            registry.opened(channel, peer: peer, at: .now())
            channel.closeFuture.whenComplete { [registry] _ in registry.closed(channel) }
            let requestGuard = RequestGuard(limits: limits, registry: registry, logger: logger)
            let ops = channel.pipeline.syncOperations
            try ops.addHandler(ByteActivityHandler(requestGuard: requestGuard))
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
            decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
            decoderLimits.maxHeaderFieldCount = Self.maxHeaderFields
            try ops.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // NIOAsyncChannel serializes requests, as in HTTP1Channel
                withErrorHandling: false,  // RequestGuard answers parse errors
                withOutboundHeaderValidation: false,  // HTTPTypes validated them
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: decoderLimits
            )
            try ops.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try ops.addHandler(requestGuard)
            // Hummingbird's handler for graceful shutdown (quiesce); RequestGuard owns the timeouts.
            try ops.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    public func handle(value asyncChannel: Value, logger: Logger) async {
        guard readsPeerCredentials else { return await handleHTTP(asyncChannel: asyncChannel, logger: logger) }
        await PeerCredentials.$current.withValue(registry.peer(of: asyncChannel.channel)) {
            await handleHTTP(asyncChannel: asyncChannel, logger: logger)
        }
    }
}

/// A loopback connection whose client socket belongs to the sandboxed children's uid.
struct SandboxedPeerRefused: Error, CustomStringConvertible {
    var uid: UInt32
    var description: String { "loopback connection from uid \(uid): expected a client outside the sandboxes (children do not reach the control plane)" }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the daemon's limits and deadlines (`FrontDoorChannel`); with
    /// `readsPeerCredentials` (the unix socket), each request knows its peer's uid.
    static func frontDoor(limits: HTTPLimits, registry: ConnectionRegistry, readsPeerCredentials: Bool = false) -> HTTPServerBuilder {
        .init { responder in FrontDoorChannel(responder: responder, limits: limits, registry: registry, readsPeerCredentials: readsPeerCredentials) }
    }
}
