public import Foundation
public import LightningProtocol

/// Reads typed fields of a plugin's config object. Every problem names the field as
/// `config field "a.b"`, what was expected and what was found, never a secret's value.
public struct AzureConfigFields: Sendable {
    public let object: JSONValue
    /// The dotted path of `object` inside the config (`""` for the top level, `functions[0]`).
    public let path: String

    public init(_ object: JSONValue, path: String = "") { self.object = object; self.path = path }

    public func name(_ key: String) -> String { "config field \"\(path.isEmpty ? key : "\(path).\(key)")\"" }

    public func string(_ key: String) throws -> String? {
        guard let v = object[key], v != .null else { return nil }
        guard let s = v.stringValue else { throw WireError(.invalidArgument, "\(name(key)): expected a string, got \(v.typeDescription)") }
        return s
    }

    /// A non-empty string, or an error saying it is required and what it is for.
    public func required(_ key: String, _ what: String) throws -> String {
        guard let s = try string(key), !s.isEmpty else { throw WireError(.invalidArgument, "\(name(key)): required (\(what))") }
        return s
    }

    /// A secret string: absent, null and "" are nil. Errors never show the value.
    public func secret(_ key: String) throws -> Secret? {
        guard let v = object[key], v != .null else { return nil }
        guard let s = v.stringValue else { throw WireError(.invalidArgument, "\(name(key)): expected a string, got \(v.typeDescription)") }
        return s.isEmpty ? nil : Secret(s)
    }

    public func int(_ key: String, min: Int, max: Int) throws -> Int? {
        guard let v = object[key], v != .null else { return nil }
        guard let i = v.intValue, i >= min, i <= max else {
            throw WireError(.invalidArgument, "\(name(key)): expected an integer from \(min) to \(max), got \(v)")
        }
        return i
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let v = object[key], v != .null else { return nil }
        guard let b = v.boolValue else { throw WireError(.invalidArgument, "\(name(key)): expected a boolean, got \(v)") }
        return b
    }

    /// An `http` or `https` URL with a host, without query or fragment; a trailing `/` is dropped.
    public func url(_ key: String) throws -> URL? {
        guard let s = try string(key) else { return nil }
        let trimmed = s.hasSuffix("/") ? String(s.dropLast()) : s
        guard let c = URLComponents(string: trimmed), let scheme = c.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = c.host, !host.isEmpty, c.query == nil, c.fragment == nil, c.user == nil, let url = c.url else {
            throw WireError(.invalidArgument, "\(name(key)): expected an http(s) URL with a host and no query, got \"\(s)\"")
        }
        return url
    }
}

extension AADTokenSource {
    /// The token source a plugin config describes (docs/aci-containers.md#authentication):
    ///
    /// - `auth: "client_credentials"` (the default when `client_secret` is set): `tenant_id`,
    ///   `client_id`, `client_secret`, at `authority_url` (default `https://login.microsoftonline.com`);
    /// - `auth: "managed_identity"` (the default otherwise): IMDS at `imds_url` (default
    ///   `http://169.254.169.254/metadata/identity/oauth2/token`), or App Service's
    ///   `identity_endpoint` + `identity_header` (default: the `IDENTITY_ENDPOINT` and
    ///   `IDENTITY_HEADER` environment variables, used only when `imds_url` is not set);
    ///   `managed_identity_client_id` picks a user-assigned identity.
    ///
    /// - Parameter resource: the audience (`https://management.azure.com/`); the client-credentials
    ///   scope is `resource + ".default"`.
    /// - Throws: `WireError(.invalidArgument)` naming the missing or malformed field.
    public init(config: JSONValue, resource: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let f = AzureConfigFields(config)
        let secret = try f.secret("client_secret")
        let auth = try f.string("auth") ?? (secret != nil ? "client_credentials" : "managed_identity")
        switch auth {
        case "client_credentials":
            guard let secret else {
                throw WireError(.invalidArgument, "\(f.name("client_secret")): required with auth \"client_credentials\" (the app registration's client secret)")
            }
            let tenant = try f.required("tenant_id", "the Azure AD tenant (directory) id or domain")
            guard tenant.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw WireError(.invalidArgument, "\(f.name("tenant_id")): expected a tenant id (GUID) or domain name, got \"\(tenant)\"")
            }
            let client = try f.required("client_id", "the app registration's application (client) id")
            let authority = try f.url("authority_url") ?? URL(string: "https://login.microsoftonline.com")!
            let scope = (resource.hasSuffix("/") ? resource : resource + "/") + ".default"
            self = .clientCredentials(AADClientCredentials(authority: authority, tenantId: tenant, clientId: client,
                                                          clientSecret: secret, scope: scope))
        case "managed_identity":
            let imds = try f.url("imds_url")
            let clientId = try f.string("managed_identity_client_id").flatMap { $0.isEmpty ? nil : $0 }
            var endpoint = ManagedIdentity.endpoint(imds: imds, environment: environment)
            if let e = try f.url("identity_endpoint") {
                guard let h = try f.secret("identity_header") else {
                    throw WireError(.invalidArgument, "\(f.name("identity_header")): required with \"identity_endpoint\" (App Service's X-IDENTITY-HEADER value)")
                }
                endpoint = .appService(e, header: h)
            }
            self = .managedIdentity(ManagedIdentity(endpoint: endpoint, resource: resource, clientId: clientId))
        default:
            throw WireError(.invalidArgument, "\(f.name("auth")): expected \"client_credentials\" or \"managed_identity\", got \"\(auth)\"")
        }
    }
}
