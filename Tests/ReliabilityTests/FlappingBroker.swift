import EventSpoolTesting
import Synchronization

/// A ``TestBroker`` that changes its mind on the test's command — up, refusing connections, answering 503,
/// hanging, or a seeded mix of everything — and keeps a ledger of which requests it answered with a 2xx:
/// those, and only those, count as delivered.
final class FlappingBroker: Sendable {
    /// What the broker does with the requests that reach it.
    enum Phase: String, CaseIterable, Sendable {
        /// Answers 204.
        case up
        /// Not listening: connections are refused.
        case refusing
        /// Answers 503.
        case unavailable
        /// Never answers (until the client gives up).
        case hanging
        /// Per request, seeded: mostly 204, else 503, 429 with Retry-After, a reset, a close mid-response
        /// or a hang.
        case mixed
        /// Like `mixed`, with a share of 400s the sweeper gives up (dead-letters).
        case mixedWithRejections
    }

    private struct State {
        var phase = Phase.up
        /// Indices (as in ``TestBroker/requests``) of the requests answered with a 2xx.
        var delivered: Set<Int> = []
        var changes = 0
    }

    let broker: TestBroker
    private let state = Mutex(State())

    init(_ broker: TestBroker) {
        self.broker = broker
        broker.setSchedule { [weak self] index in
            guard let self else { return .status(503) }
            let phase = self.state.withLock { $0.phase }
            let (behavior, isDelivered) = Self.behavior(phase, index: index)
            if isDelivered {
                self.state.withLock { _ = $0.delivered.insert(index) }
            }
            return behavior
        }
    }

    var phase: Phase { state.withLock { $0.phase } }

    /// How many times the phase changed.
    var changes: Int { state.withLock { $0.changes } }

    /// Switches to `phase`: stops or starts listening as it needs.
    func set(_ phase: Phase) async throws {
        state.withLock { state in
            if state.phase != phase { state.changes += 1 }
            state.phase = phase
        }
        if phase == .refusing {
            try await broker.stopListening()
        } else if !broker.isListening {
            try await broker.startListening()
        }
    }

    /// For every event id the broker answered with a 2xx: the `X-Sender` of each such request, in order.
    func deliveries() -> [String: [String]] {
        let delivered = state.withLock { $0.delivered }
        let requests = broker.requests
        var senders: [String: [String]] = [:]
        for index in delivered.sorted() where index < requests.count {
            guard let id = requests[index].header("ce-id") else { continue }
            senders[id, default: []].append(requests[index].header("X-Sender") ?? "")
        }
        return senders
    }

    /// The behaviour for request `index` in `phase`, and whether it is a 2xx (delivered).
    private static func behavior(_ phase: Phase, index: Int) -> (BrokerBehavior, Bool) {
        switch phase {
        case .up, .refusing:
            // A request can still arrive on a connection accepted just before the broker stopped listening.
            return (.status(204), true)
        case .unavailable:
            return (.status(503, body: "unavailable"), false)
        case .hanging:
            return (.hang, false)
        case .mixed, .mixedWithRejections:
            // A fixed pseudo-random pick per index: the same run of requests meets the same answers.
            var generator = SeededRandom(seed: UInt64(index) &* 0x9E37_79B9 &+ 17)
            let roll = generator.next(below: 100)
            if phase == .mixedWithRejections && roll < 8 {
                return (.status(400, body: "rejected"), false)
            }
            switch roll {
            case ..<60: return (.status(204), true)
            case ..<75: return (.status(503, body: "busy"), false)
            case ..<82: return (.status(429, headers: [("Retry-After", "0")], body: "slow down"), false)
            case ..<90: return (.resetBeforeResponse, false)
            case ..<96: return (.closeMidResponse(status: 200), false)
            default: return (.hang, false)
            }
        }
    }
}
