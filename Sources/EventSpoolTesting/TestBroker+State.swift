import NIOCore

extension TestBroker {
    /// Everything the broker's connections and its callers share, guarded by one lock.
    struct State {
        enum Listener {
            case listening(any Channel)
            /// Between `startListening()` deciding to bind and the bind completing; connections are accepted.
            case binding
            case stopped
            case shutDown
        }

        struct Waiter {
            var count: Int
            var continuation: CheckedContinuation<[RecordedRequest], any Error>
            var timer: Scheduled<Void>
        }

        enum WaitOutcome {
            case waiting
            case ready([RecordedRequest])
            case failed(any Error)
            case shutDown
        }

        var listener = Listener.stopped
        var port: Int
        /// Holds the port while the broker does not listen (``TestBroker/stopListening()``).
        var reservation: PortReservation?
        var connections: [Int: any Channel] = [:]
        var acceptedConnections = 0

        var requests: [RecordedRequest] = []
        var requestCount = 0

        var queue = CircularBuffer<BrokerBehavior>()
        var defaultBehavior = BrokerBehavior.status(204)
        var schedule: (@Sendable (Int) -> BrokerBehavior)?

        var waiters: [Int: Waiter] = [:]
        /// Waits that timed out or were cancelled before they registered.
        var endedWaiters: [Int: any Error] = [:]
        var nextWaiterID = 0

        init(port: Int) {
            self.port = port
        }

        mutating func addWaiter(
            _ id: Int,
            count: Int,
            continuation: CheckedContinuation<[RecordedRequest], any Error>,
            timer: Scheduled<Void>
        ) -> WaitOutcome {
            // A count already reached wins over a timer that fired before the waiter registered.
            if self.requestCount >= count {
                self.endedWaiters[id] = nil
                return .ready(self.requests)
            }
            if let error = self.endedWaiters.removeValue(forKey: id) {
                return .failed(error)
            }
            if case .shutDown = self.listener {
                return .shutDown
            }
            self.waiters[id] = Waiter(count: count, continuation: continuation, timer: timer)
            return .waiting
        }

        /// Removes the waiters whose count has been reached, with the requests to hand them.
        mutating func takeSatisfiedWaiters() -> [(Waiter, [RecordedRequest])] {
            guard !self.waiters.isEmpty else { return [] }
            var ready: [(Waiter, [RecordedRequest])] = []
            for (id, waiter) in self.waiters where waiter.count <= self.requestCount {
                self.waiters[id] = nil
                ready.append((waiter, self.requests))
            }
            return ready
        }
    }
}
