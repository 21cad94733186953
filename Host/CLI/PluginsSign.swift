import ArgumentParser
import Foundation
import HostCore

#if canImport(Glibc)
import Glibc
#endif

extension Plugins {
    /// `lightning plugins keygen`: a publisher's Ed25519 key pair (docs/plugin-abi.md#signed-plugins).
    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a publisher's Ed25519 signing key pair.",
            discussion: """
                Writes DIR/NAME.key (the private key, mode 0600: keep it secret) and DIR/NAME.pub (the public key: \
                give it to operators for plugins.trusted_keys). Refuses to overwrite a key file.
                """
        )
        @Option(name: .long, help: "Folder to write the key files into (created if missing).") var out: String
        @Option(name: .long, help: "Publisher name, recorded in both files and in every signature (and the files' base name).") var publisher = "publisher"

        func run() async throws {
            guard !publisher.isEmpty, !publisher.contains("/") else {
                throw ValidationError("--publisher: expected a name without \"/\", got \"\(publisher)\"")
            }
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let key = SigningKey(publisher: publisher)
            let priv = dir.appendingPathComponent("\(publisher).key"), pub = dir.appendingPathComponent("\(publisher).pub")
            for f in [priv, pub] where FileManager.default.fileExists(atPath: f.path) {
                throw ValidationError("\(f.path): already exists; not overwriting a key (choose another --out or --publisher)")
            }
            try Self.writeExclusive(priv, key.encoded(), mode: 0o600)
            try Self.writeExclusive(pub, key.publicKey.encoded(), mode: 0o644)
            print("key id     \(key.keyId)")
            print("private    \(priv.path) (mode 0600; keep it secret)")
            print("public     \(pub.path) (for plugins.trusted_keys)")
        }

        /// Creates `url` with `mode` (O_CREAT|O_EXCL: never an existing file, never wider permissions first).
        static func writeExclusive(_ url: URL, _ data: Data, mode: mode_t) throws {
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            guard fd >= 0 else { throw ValidationError("open(\(url.path)): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            _ = fchmod(fd, mode)  // the umask may have narrowed it; never widens beyond `mode`
            let ok = data.withUnsafeBytes { buf -> Bool in
                var off = 0
                while off < buf.count {
                    let n = write(fd, buf.baseAddress! + off, buf.count - off)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    off += n
                }
                return true
            }
            guard ok else { throw ValidationError("write(\(url.path)): \(String(cString: strerror(errno)))") }
        }
    }

    /// `lightning plugins sign`: the detached signature `NAME.json.sig` of a manifest and its library.
    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign plugin manifests and their libraries with a publisher's private key.",
            discussion: """
                Writes MANIFEST.sig next to each manifest: an Ed25519 signature over the manifest's bytes and the sha256 \
                of the library it resolves to (docs/plugin-abi.md#signed-plugins). The manifest must already be pinned to \
                that library (`lightning plugins pin`); changing either file afterwards breaks the signature.
                """
        )
        @Argument(help: "Manifest files to sign.") var manifests: [String]
        @Option(name: .long, help: "Private key file (`lightning plugins keygen`).") var key: String
        @Option(name: .long, help: "Extra folder to search for plugin libraries (repeatable).") var pluginDir: [String] = []

        func run() async throws {
            let signingKey: SigningKey
            do { signingKey = try SigningKey.read(from: URL(fileURLWithPath: key)) } catch let e as HostError { throw ValidationError(e.description) }
            let dirs = pluginDir.map { URL(fileURLWithPath: $0) } + [Verify.executableDir]
            var failed = false
            for path in manifests {
                do {
                    let m = try ManifestParser.parse(fileAt: URL(fileURLWithPath: path))
                    print(try Self.sign(m, key: signingKey, pluginDirs: dirs))
                } catch {
                    print("refused \(error)"); failed = true
                }
            }
            if failed { throw ExitCode.failure }
        }

        /// Signs `m` (its bytes on disk, its library's sha256, which must equal its pin) and writes `NAME.json.sig`.
        /// - Returns: the line to print.
        static func sign(_ m: Manifest, key: SigningKey, pluginDirs: [URL]) throws -> String {
            let out = try PluginSignature.sign(manifest: m, with: key, pluginDirs: pluginDirs)
            return "signed  \(m.displayPath) -> \(Manifest.display(out)) (key \(key.keyId), publisher \"\(key.publisher)\")"
        }

        /// The signature status of `m` whose library is at `library` (missing: reported as such).
        static func status(of m: Manifest, library: URL, trust: TrustStore) -> SignatureStatus {
            let sigName = Manifest.display(PluginSignature.url(forManifest: m.file))
            guard let bytes = try? Data(contentsOf: m.file) else { return .bad(file: sigName, keyId: nil, "cannot read the manifest \(m.displayPath)") }
            let digest = FileManager.default.fileExists(atPath: library.path) ? (try? LibrarySpec.sha256(ofFileAt: library, subject: m.displayPath)) : nil
            return trust.check(manifest: m.file, bytes: bytes, librarySha256: digest, namesLibrary: m.library != nil)
        }
    }
}
