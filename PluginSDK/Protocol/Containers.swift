/// The containers contract (docs/containers.md): what a container runtime (the local Docker
/// Engine, Azure Container Instances) answers. Method names are in `Method` (`containers.*`).
///
/// A container is named by the caller (`name`, unique per runtime); the runtime's own id is
/// reported in `ContainerInfo.runtimeId`. Every call that names a container takes its `name`.

/// `containers.create` params: what to run. Unset fields take the runtime's defaults.
public struct ContainerSpec: Codable, Sendable, Equatable {
    /// `[a-z0-9][a-z0-9-]{0,62}`: valid for Docker and for ACI container groups alike.
    public var name: String
    /// An image reference (`busybox:latest`, `myregistry.azurecr.io/agent:1.2`).
    public var image: String
    /// Replaces the image's entrypoint+cmd when given.
    public var command: [String]?
    public var environment: [String: String]?
    public var labels: [String: String]?
    /// CPU cores (ACI: required, default 1).
    public var cpu: Double?
    /// Memory limit in MB (ACI: rounded up to 0.1 GB, default 1536).
    public var memoryMb: Int?
    /// Container ports to expose (TCP).
    public var ports: [Int]?
    /// `never` (default), `on-failure` or `always`.
    public var restartPolicy: String?
    /// Start it right after creating it (default true).
    public var start: Bool?

    public init(name: String, image: String, command: [String]? = nil, environment: [String: String]? = nil,
                labels: [String: String]? = nil, cpu: Double? = nil, memoryMb: Int? = nil, ports: [Int]? = nil,
                restartPolicy: String? = nil, start: Bool? = nil) {
        self.name = name; self.image = image; self.command = command; self.environment = environment
        self.labels = labels; self.cpu = cpu; self.memoryMb = memoryMb; self.ports = ports
        self.restartPolicy = restartPolicy; self.start = start
    }
    enum CodingKeys: String, CodingKey {
        case name, image, command, environment, labels, cpu, ports, start
        case memoryMb = "memory_mb", restartPolicy = "restart_policy"
    }
}

/// What a runtime reports about one container.
public struct ContainerInfo: Codable, Sendable, Equatable {
    /// `pending` (created or being provisioned), `running`, `succeeded` (exited 0),
    /// `failed` (exited non-zero or could not start), `stopped` (stopped by a caller), `unknown`.
    public enum State: String, Codable, Sendable { case pending, running, succeeded, failed, stopped, unknown }
    public var name: String
    public var image: String
    public var state: State
    /// The runtime's own id (Docker's container id, ACI's resource id).
    public var runtimeId: String?
    public var exitCode: Int?
    public var labels: [String: String]?
    public var createdAt: Timestamp?
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    /// The runtime's own words for the state when they add something (`OOMKilled`, an ACI event).
    public var detail: String?

    public init(name: String, image: String, state: State, runtimeId: String? = nil, exitCode: Int? = nil,
                labels: [String: String]? = nil, createdAt: Timestamp? = nil, startedAt: Timestamp? = nil,
                finishedAt: Timestamp? = nil, detail: String? = nil) {
        self.name = name; self.image = image; self.state = state; self.runtimeId = runtimeId; self.exitCode = exitCode
        self.labels = labels; self.createdAt = createdAt; self.startedAt = startedAt; self.finishedAt = finishedAt; self.detail = detail
    }
    enum CodingKeys: String, CodingKey {
        case name, image, state, labels, detail
        case runtimeId = "runtime_id", exitCode = "exit_code", createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
    }
}

/// `containers.get` / `.start` / `.delete` / `.stop` / `.wait` / `.logs` params.
public struct ContainerRef: Codable, Sendable, Equatable {
    public var name: String
    /// `.stop`: seconds between SIGTERM and SIGKILL (default 10). `.wait`: give up after this
    /// many seconds with `timeout` (default 60).
    public var timeoutSeconds: Int?
    /// `.delete`: remove even when running.
    public var force: Bool?
    /// `.logs`: only the last N lines of each stream.
    public var tail: Int?
    public init(name: String, timeoutSeconds: Int? = nil, force: Bool? = nil, tail: Int? = nil) {
        self.name = name; self.timeoutSeconds = timeoutSeconds; self.force = force; self.tail = tail
    }
    enum CodingKeys: String, CodingKey { case name, force, tail, timeoutSeconds = "timeout_seconds" }
}

/// `containers.list` params: only containers carrying all these labels (nil = all of this runtime's).
public struct ContainerQuery: Codable, Sendable, Equatable {
    public var labels: [String: String]?
    public init(labels: [String: String]? = nil) { self.labels = labels }
}

public struct ContainerInfoList: Codable, Sendable, Equatable {
    public var containers: [ContainerInfo]
    public init(containers: [ContainerInfo]) { self.containers = containers }
}

/// `containers.logs` result: the container's output so far, split by stream.
public struct ContainerLogs: Codable, Sendable, Equatable {
    public var name: String
    public var stdout: String
    public var stderr: String
    public init(name: String, stdout: String, stderr: String) { self.name = name; self.stdout = stdout; self.stderr = stderr }
}

/// `containers.wait` result.
public struct ContainerExit: Codable, Sendable, Equatable {
    public var name: String
    public var exitCode: Int
    public var state: ContainerInfo.State
    public init(name: String, exitCode: Int, state: ContainerInfo.State) { self.name = name; self.exitCode = exitCode; self.state = state }
    enum CodingKeys: String, CodingKey { case name, state, exitCode = "exit_code" }
}

/// `containers.images.pull` params (`image` = reference) and `containers.images.import` params
/// (`source` = path of a root-filesystem tarball on the daemon's machine, `image` = the reference
/// to give it).
public struct ImageRequest: Codable, Sendable, Equatable {
    public var image: String
    public var source: String?
    public init(image: String, source: String? = nil) { self.image = image; self.source = source }
}

public struct ImageResult: Codable, Sendable, Equatable {
    public var image: String
    /// The engine's id for it (`sha256:...`) when it says.
    public var id: String?
    public init(image: String, id: String? = nil) { self.image = image; self.id = id }
}

/// The argument rules of the containers contract (docs/plugin-abi.md#containers-arguments),
/// shared by every runtime so that a swap never changes what is accepted or the message a bad
/// value gets. Each check throws `invalid_argument` naming the field, what was expected and
/// what was found, before any request reaches the runtime.
public enum ContainerArguments {
    /// Default and range of `containers.stop`'s `timeout_seconds`.
    public static let stopDefault = 10, stopRange = 0...3600
    /// Default and range of `containers.wait`'s `timeout_seconds`.
    public static let waitDefault = 60, waitRange = 1...86_400

    /// A container name: 1 to 63 characters of `a-z`, `0-9` and `-`, starting and ending with a
    /// letter or digit, without `--` (what Docker and ACI container groups both accept).
    /// - Returns: `name`.
    /// - Throws: `invalid_argument` `field "name": expected …, got "…"`.
    @discardableResult
    public static func name(_ name: String, field: String = "name") throws -> String {
        let b = Array(name.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
        let ok = (1...63).contains(b.count) && alnum(b[0]) && alnum(b[b.count - 1])
            && b.allSatisfy { alnum($0) || $0 == 45 } && !name.contains("--")
        guard ok else {
            throw WireError(.invalidArgument, "field \"\(field)\": expected 1 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit, without \"--\", got \(JSONValue.string(String(name.prefix(80))))")
        }
        return name
    }

    /// `containers.stop`'s grace period in seconds (default 10, 0 to 3600).
    public static func stopTimeout(_ r: ContainerRef) throws -> Int {
        try seconds(r.timeoutSeconds ?? stopDefault, stopRange)
    }

    /// `containers.wait`'s limit in seconds (default 60, 1 to 86400).
    public static func waitTimeout(_ r: ContainerRef) throws -> Int {
        try seconds(r.timeoutSeconds ?? waitDefault, waitRange)
    }

    /// `containers.logs`'s `tail` (nil: everything; 0 or more lines of each stream).
    public static func tail(_ r: ContainerRef) throws -> Int? {
        guard let t = r.tail else { return nil }
        guard t >= 0 else { throw WireError(.invalidArgument, "field \"tail\": expected 0 or more lines, got \(t)") }
        return t
    }

    static func seconds(_ t: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard range.contains(t) else {
            throw WireError(.invalidArgument, "field \"timeout_seconds\": expected \(range.lowerBound) to \(range.upperBound) seconds, got \(t)")
        }
        return t
    }
}
