import Foundation
import LightningProtocol

/// The docker-containers configuration (manifests/docker-containers.json, docs/containers.md).
struct DockerConfig: Sendable {
    /// The Engine API socket.
    var socket: String
    /// How `socket` was chosen, for health details and errors (`config`, `default`, `podman fallback`).
    var socketSource: String
    /// The API version prefixed to every path (`/v1.41/...`).
    var apiVersion: String
    /// Timeout of ordinary calls (inspect, create, start, logs, remove).
    var requestTimeoutMs: Int
    /// Timeout of image pulls and imports.
    var imageTimeoutMs: Int

    static let defaultSocket = "/var/run/docker.sock"
    static let podmanSocket = "/run/podman/podman.sock"

    /// Reads the instance config; every problem names the field, what was expected and what was found.
    /// - Parameter exists: whether a path exists (the default socket falls back to podman's when absent).
    init(_ config: JSONValue, exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws {
        if let v = config["socket"], v != .null {
            guard let s = v.stringValue, s.hasPrefix("/"), s.utf8.count < 108 else {
                throw WireError(.invalidArgument, "config field \"socket\": expected an absolute path of a unix socket (under 108 bytes), got \(Self.show(v))")
            }
            socket = s
            socketSource = "config"
        } else if !exists(Self.defaultSocket) && exists(Self.podmanSocket) {
            socket = Self.podmanSocket
            socketSource = "podman fallback (\(Self.defaultSocket) is absent)"
        } else {
            socket = Self.defaultSocket
            socketSource = "default"
        }
        if let v = config["api_version"], v != .null {
            guard let s = v.stringValue, Self.isVersion(s) else {
                throw WireError(.invalidArgument, "config field \"api_version\": expected a version like \"1.41\", got \(Self.show(v))")
            }
            apiVersion = s
        } else {
            apiVersion = "1.41"
        }
        requestTimeoutMs = try Self.int(config, "request_timeout_ms", 100...3_600_000) ?? 30_000
        imageTimeoutMs = try Self.int(config, "image_timeout_ms", 1000...86_400_000) ?? 600_000
    }

    private static func int(_ config: JSONValue, _ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let v = config[key], v != .null else { return nil }
        guard let i = v.intValue, range.contains(i) else {
            throw WireError(.invalidArgument, "config field \"\(key)\": expected an integer from \(range.lowerBound) to \(range.upperBound), got \(show(v))")
        }
        return i
    }

    private static func isVersion(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    static func show(_ v: JSONValue) -> String {
        if let s = v.stringValue { return "\"\(s.prefix(120))\"" }
        return v.typeDescription
    }
}
