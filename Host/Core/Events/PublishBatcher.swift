import LightningProtocol

/// Concurrent publishes share `bus.publish` calls, as their writes already share the journal's
/// group commit: every HTTP request, reply and error event used to make a call of its own, and
/// each call pays the host's encoding, the plugin boundary, a task in the plugin, a savepoint
/// and the answer's decoding again. `PublishRounds` decides who goes in which round; this type
/// does the calls.
///
/// ```
///  publish A ─▶ slot free: sends round 1 [A] ──────────────▶ bus ─▶ A answered
///  publish B ─▶ slots busy: queued ─┐
///  publish C ─▶ slots busy: queued ─┴▶ round 1 ends: B promoted, sends round 2 [B, C] ─▶ B, C answered
/// ```
/// Each caller still returns only once its own events are durable, and gets the outcomes of its
/// own events, in order. A round that fails for a reason that may be its content (anything but
/// `unavailable` or `timeout`) is sent again caller by caller, so one caller's bad events never
/// fail another's publish.
///
/// A queued caller waits on a `Watched` slot of its own (the daemon's waiter primitive), set
/// exactly once: with its outcomes when a round that carried its events ends, or with `.send`
/// when it is promoted to send the next round.
final class PublishBatcher: Sendable {
    typealias Send = @Sendable ([Event]) async throws -> PublishResult

    private enum Turn: Sendable {
        case answered(Result<PublishResult, any Error>)
        case send
    }

    /// A queued caller: its events, and where its turn is set.
    private struct Waiter: Sendable {
        let events: [Event]
        let turn: Watched<Turn?>
    }

    private let rounds: Locked<PublishRounds<Waiter>>
    private let send: Send

    /// - Parameters:
    ///   - maxInFlight: rounds in flight at once (one commits while the next gathers).
    ///   - maxEvents: events one round carries at most when it takes queued callers.
    ///   - send: one `bus.publish` call.
    init(maxInFlight: Int = 2, maxEvents: Int = 1000, send: @escaping Send) {
        rounds = Locked(PublishRounds(maxInFlight: maxInFlight, maxEvents: maxEvents))
        self.send = send
    }

    /// Callers waiting for a round (tests).
    var queuedForTests: Int { rounds.withLock { $0.queued.count } }

    /// Publishes `events` in the next round that has room; returns their outcomes, in order,
    /// once they are durable.
    func publish(_ events: [Event]) async throws -> PublishResult {
        let waiter = Waiter(events: events, turn: Watched(nil))
        var turn = Turn.send
        if rounds.withLock({ $0.arrive(.init(events: events.count, waiter: waiter)) }) == .queued {
            // Not cancellable: once queued, this caller's events may be in a round in flight.
            await waiter.turn.waitIgnoringCancellation { $0 != nil }
            turn = waiter.turn.value!
        }
        switch turn {
        case .answered(let result): return try result.get()
        case .send: return try await sendRound(own: events)
        }
    }

    /// Sends one round: `own` events first, then those of the queued callers it takes; answers
    /// them, then hands the slot to the next queued caller (or frees it).
    private func sendRound(own: [Event]) async throws -> PublishResult {
        let joined = rounds.withLock { $0.take(joining: own.count) }.map(\.waiter)
        let parts = [own] + joined.map(\.events)
        let answers: [Result<PublishResult, any Error>]
        if joined.isEmpty {
            answers = await Self.roundResult(parts, send)
        } else {
            // The round carries other callers' events: this caller's cancellation must not
            // cancel their publish, so the call runs in a task of its own (awaited right here).
            let send = self.send
            answers = await Task { await Self.roundResult(parts, send) }.value
        }
        if let next = rounds.withLock({ $0.roundEnded() }) { next.waiter.turn.update { $0 = .send } }
        for (w, answer) in zip(joined, answers.dropFirst()) { w.turn.update { $0 = .answered(answer) } }
        return try answers[0].get()
    }

    /// One call for all `parts`, its outcomes split back per part (one result per part, in
    /// order). When the call fails for a reason that may be one part's content, each part is
    /// sent again on its own, so a part that fails fails alone.
    /// An answer the bus gave but that does not fit the call (wrong number of outcomes) fails
    /// every part and is not sent again: the bus did take the events.
    static func roundResult(_ parts: [[Event]], _ send: Send) async -> [Result<PublishResult, any Error>] {
        let answer: PublishResult
        do {
            answer = try await send(parts.flatMap { $0 })
        } catch let e as WireError where parts.count == 1 || e.code == .unavailable || e.code == .timeout {
            return parts.map { _ in .failure(e) }
        } catch {
            if parts.count == 1 { return [.failure(error)] }
            var answers: [Result<PublishResult, any Error>] = []
            for part in parts {
                do { answers.append(.success(try split(try await send(part), [part.count])[0])) } catch { answers.append(.failure(error)) }
            }
            return answers
        }
        do { return try split(answer, parts.map(\.count)).map { .success($0) } } catch {
            return parts.map { _ in .failure(error) }
        }
    }

    /// The outcomes of one call, split into the callers' parts (`counts`, in order).
    static func split(_ answer: PublishResult, _ counts: [Int]) throws -> [PublishResult] {
        let total = counts.reduce(0, +)
        guard answer.results.count == total else {
            throw WireError(.internal, "the event bus answered \(answer.results.count) outcome(s) for \(total) event(s)")
        }
        var out: [PublishResult] = []
        var start = 0
        for n in counts {
            out.append(PublishResult(results: Array(answer.results[start..<start + n])))
            start += n
        }
        return out
    }
}
