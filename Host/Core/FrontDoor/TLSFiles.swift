public import Foundation
public import HummingbirdTLS

/// The TLS certificate chain and private key of the TCP listener, from the config's `tls`
/// (PEM files). Loaded once at start.
public struct TLSFiles: Sendable, Equatable {
    public var certificate: URL
    public var key: URL

    public init(certificate: URL, key: URL) {
        self.certificate = certificate
        self.key = key
    }

    /// The server configuration (TLS 1.2 and later, NIOSSL's defaults).
    /// - Throws: `HostError(.configInvalid)` naming the file that could not be read as PEM.
    public func serverConfiguration() throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate.path) } catch {
            throw HostError(.configInvalid, subject: certificate.path, "field \"tls.certificate\": expected a PEM certificate chain, got an unreadable file (\(error))")
        }
        guard !chain.isEmpty else {
            throw HostError(.configInvalid, subject: certificate.path, "field \"tls.certificate\": expected a PEM certificate chain, got no certificate")
        }
        let privateKey: NIOSSLPrivateKey
        do { privateKey = try NIOSSLPrivateKey(file: key.path, format: .pem) } catch {
            throw HostError(.configInvalid, subject: key.path, "field \"tls.key\": expected a PEM private key, got an unreadable file (\(error))")
        }
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }
}
