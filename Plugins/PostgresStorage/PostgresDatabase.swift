import Foundation
import LightningProtocol
import Logging
import PostgresNIO

/// The plugin's connection to the server: its own one-thread event loop group, a pooled
/// `PostgresClient` whose `run()` is the one background task of the instance, the schema set up
/// once, a deadline on every operation, and PostgreSQL's errors turned into the contract's.
///
/// ```
/// run("read") { client in … } ─► schema ready? ─no─► SchemaGate.prepare (advisory lock, DDL)
///                                   │ yes
///                                   ▼
///                 race(body, sleep(request_timeout)) ─► result | WireError(.unavailable, "… did not answer within N s")
/// ```
///
/// Threading: `Sendable`; the mutable state (whether the schema is ready) is in the `SchemaGate`
/// actor, the client is itself thread-safe.
final class PostgresDatabase: Sendable {
    let config: PostgresConfig
    let client: PostgresClient
    private let group: MultiThreadedEventLoopGroup
    /// `client.run()`: owned by this object, cancelled and awaited in `close()` (the pool needs a
    /// running task, and the plugin has no service group of its own).
    private let runner: Task<Void, Never>
    private let gate = SchemaGate()
    private let logger = Logger(label: "lt.postgres-storage", factory: { _ in SwiftLogNoOpLogHandler() })

    init(config: PostgresConfig) throws {
        self.config = config
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var c = PostgresClient.Configuration(host: config.host, port: config.port, username: config.user,
                                             password: config.password, database: config.database,
                                             tls: try Self.tls(config))
        c.options.connectTimeout = config.connectTimeout
        c.options.maximumConnections = config.maxConnections
        c.options.minimumConnections = 0
        // A client that stops between the statements of a transaction (a paused or hung daemon)
        // must not hold its row locks forever: the server ends such a session after
        // min(request timeout, 10 s) idle inside a transaction, and no statement waits for a lock
        // longer than the request timeout (the client gives up then anyway).
        let ms = { (d: Duration) in String(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000) }
        c.options.additionalStartupParameters = [
            ("idle_in_transaction_session_timeout", ms(min(config.requestTimeout, .seconds(10)))),
            ("lock_timeout", ms(config.requestTimeout)),
        ]
        let client = PostgresClient(configuration: c, eventLoopGroup: group, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    private static func tls(_ config: PostgresConfig) throws -> PostgresClient.Configuration.TLS {
        switch config.tls {
        case .disable: return .disable
        case .require: return .require(.makeClientConfiguration())
        }
    }

    /// Runs `body` once the schema is ready, within `request_timeout_seconds`.
    /// - Parameter what: the operation, for messages ("read document").
    /// - Throws: `WireError` from `body` unchanged; PostgreSQL's errors mapped by `mapError`;
    ///   `.unavailable` on timeout.
    func run<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await withDeadline(config.requestTimeout, what) { [self] in
            try await gate.ensure { try await self.prepareSchema() }
            return try await body(client)
        }
    }

    /// Runs `body` in one transaction on one pooled connection, like `run`.
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await run(what) { client in try await Self.inTransaction(client, body) }
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK when `body` throws, rethrowing `body`'s own error (not
    /// wrapped, unlike `PostgresClient.withTransaction`, so a `WireError` reaches the caller).
    static func inTransaction<T: Sendable>(_ client: PostgresClient, _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { conn in
            try await conn.query("BEGIN", logger: quiet)
            do {
                let value = try await body(conn)
                try await conn.query("COMMIT", logger: quiet)
                return value
            } catch {
                // The caller needs body's error; a failed ROLLBACK means the connection is
                // broken, and the pool drops broken connections.
                _ = try? await conn.query("ROLLBACK", logger: quiet)
                throw error
            }
        }
    }

    /// A `SELECT 1` through the pool within the connect timeout plus 5 s (a new connection on a
    /// loaded machine); on failure, one direct connection attempt to learn why (the pool retries
    /// quietly).
    func ping() async throws {
        do {
            try await withDeadline(config.connectTimeout + .seconds(5), "health check") { [self] in
                _ = try await PostgresDatabase.count(try await client.query("SELECT 1"))
            }
        } catch let e as WireError where e.code == .unavailable {
            try await probe()
            throw e
        }
    }

    /// Opens (and closes) one connection outside the pool, throwing the reason it fails.
    private func probe() async throws {
        let c = PostgresConnection.Configuration(host: config.host, port: config.port, username: config.user,
                                                 password: config.password, database: config.database,
                                                 tls: config.tls == .disable ? .disable : .require(try .init(configuration: .makeClientConfiguration())))
        let attempt: @Sendable () async throws -> Void = { [group, logger] in
            let connection = try await PostgresConnection.connect(on: group.next(), configuration: c, id: 0, logger: logger).get()
            try await connection.close()
        }
        do {
            try await withDeadline(config.connectTimeout, "connect", attempt)
        } catch let e as WireError {
            throw e
        } catch {
            throw mapError(error, "connect")
        }
    }

    /// Stops the pool (closing its connections) and the event loop group.
    func close() async {
        runner.cancel()
        await runner.value
        try? await group.shutdownGracefully()
    }

    // MARK: Deadlines and errors

    private func withDeadline<T: Sendable>(_ limit: Duration, _ what: String,
                                           _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let cancelled = { WireError(.unavailable, "PostgreSQL at \(self.config.redactedURL): \(what) was cancelled") }
        let (results, deliver) = AsyncStream.makeStream(of: Result<T, any Error>.self, bufferingPolicy: .bufferingNewest(1))
        // Not a child task on purpose: a query on a connection whose peer vanished (a network
        // partition) ignores cancellation, and a task group cannot return before its children
        // end, so a deadline raced in a group waited as long as the TCP connection did.
        let work = Task {
            do { deliver.yield(.success(try await body())) } catch { deliver.yield(.failure(error)) }
            deliver.finish()
        }
        // Waiting on the stream is cancellable: the deadline ends this group whatever `work` does.
        let first: Result<T, any Error>? = await withTaskGroup(of: Result<T, any Error>?.self) { group in
            group.addTask { var answers = results.makeAsyncIterator(); return await answers.next() }
            group.addTask { try? await Task.sleep(for: limit); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let first else {
            work.cancel()
            if Task.isCancelled { throw cancelled() }
            throw WireError(.unavailable, "PostgreSQL at \(config.redactedURL): \(what) did not complete within \(limit.components.seconds) s"
                            + " (server unreachable, or all \(config.maxConnections) pooled connections busy)")
        }
        switch first {
        case .success(let value): return value
        case .failure(let e as WireError): throw e
        case .failure(is CancellationError): throw cancelled()
        case .failure(let e): throw mapError(e, what)
        }
    }

    /// PostgreSQL's errors as the contract's: the server's SQLSTATE decides the code, the
    /// message names the server (without password), the operation and the server's own words.
    func mapError(_ error: any Error, _ what: String) -> WireError {
        let subject = "PostgreSQL at \(config.redactedURL)"
        guard let e = error as? PSQLError else {
            return WireError(.internal, "\(subject): \(what): \(error)")
        }
        if e.code == .server, let info = e.serverInfo {
            let state = info[.sqlState] ?? "?????"
            let text = "\(subject): \(what): \(info[.message] ?? "error") (SQLSTATE \(state))"
            switch state {
            case "22P05", "22021":
                return WireError(.invalidArgument, "\(subject): \(what): PostgreSQL cannot store the character U+0000 (NUL) in ids, partition keys or document data (SQLSTATE \(state))")
            case "40001", "40P01", "55P03", "53300", "57P01", "57P02", "57P03", "3D000", "28P01", "28000", "3F000":
                return WireError(.unavailable, text)
            case let s where s.hasPrefix("08") || s.hasPrefix("53"):
                return WireError(.unavailable, text)
            default:
                return WireError(.internal, text)
            }
        }
        let reason = e.underlying.map { "\($0)" } ?? "\(e.code)"
        return WireError(.unavailable, "\(subject): \(what): cannot use the server: \(reason)")
    }

    // MARK: Helpers

    /// Drains `rows`, returning how many there were.
    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }
}

/// Whether this instance has set up its schema: the one piece of mutable state shared by all
/// calls. Concurrent first calls may each prepare; the DDL is idempotent and serialized on the
/// server by an advisory lock, so that is harmless.
actor SchemaGate {
    private var ready = false

    func ensure(_ prepare: @Sendable () async throws -> Void) async throws {
        guard !ready else { return }
        try await prepare()
        ready = true
    }
}
