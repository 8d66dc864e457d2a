import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

import struct Foundation.Date

extension SweepPass {
    /// The decisions of one pass, without I/O: which object to read next, which event to send, when an object
    /// is settled, when the pass stops, and what the report says.
    ///
    /// The driver (``SweepPass``) feeds it events — an object listed, a header or an object read or not, an
    /// attempt or a settlement finished — and does what ``nextAction()`` returns. It holds the delivery window,
    /// the ordering gate, the held keys, the circuit breaker and the report; what a sweep and a replay do
    /// differently is its ``SweepPolicy``.
    ///
    /// Memory stays flat however large the spool is: the listing streams, and the machine asks for another object
    /// only while fewer than ``maxOpenObjects`` objects holding fewer than ``maxOpenBytes`` bytes of event bodies
    /// are read and not settled (one larger object is read alone).
    struct StateMachine {
        /// Identifies one event of one open object.
        struct Ticket: Sendable, Hashable {
            var object: Int
            var index: Int
        }

        /// What the driver does next.
        enum Action {
            /// Send one event (in a child task), then report ``attemptFinished(_:fate:primary:)``.
            case deliver(Ticket, SpooledEvent, DeliveryAttempt.Purpose)
            /// Write an object's settlement (in a child task), then report ``settleFinished(_:_:)``.
            case settle(Int, ObjectSettlement)
            /// Show a replay's progress.
            case showProgress(ReplayProgress)
            /// Take the next listed object and report it with ``listed(_:in:)``, or ``listingEnded()``.
            case visitNextObject
            /// Wait for a child task to finish.
            case awaitResult
            /// Nothing is left to do: ``finish()``.
            case finish
        }

        /// What the driver reads or writes for the object being visited; it reports the result with the matching
        /// event and does what that returns, until ``done``.
        enum ReadAction {
            case readHeader(SpoolKey, SpoolState)
            case readObject(SpoolKey, SpoolState)
            /// Move the object to `quarantine/`: reading it found it damaged.
            case quarantine(SpoolKey, SpoolState, because: SpoolError)
            case done
        }

        /// Why the object being visited is read.
        enum VisitStep: Equatable {
            /// After an object that was not due, a sweep reads headers first: a run of objects waiting for later
            /// costs no body reads.
            case dueCheck
            /// A replay reads an object that may hold a prefix only when its header says it has ordering keys.
            case prefixCheck
            /// Read whole, to admit its events.
            case admit
            /// Not due, and its header does not say its ordering keys: read whole to learn them.
            case learnOrderingKeys(eventCount: Int)
            /// The pass stopped: the header counts what is left.
            case count
        }

        struct Visit {
            var key: SpoolKey
            var state: SpoolState
            var step: VisitStep
        }

        /// An object read in this pass whose events do not all have a fate yet, or whose writes are running.
        struct OpenObject {
            let key: SpoolKey
            let state: SpoolState
            let events: [SpooledEvent]
            var fates: [ObjectSettlement.Fate?]
            var unresolved: Int
            /// Its events' body bytes, counted against ``maxOpenBytes``.
            let bytes: Int

            init(_ object: SpoolObject) {
                key = object.key
                state = object.state
                events = object.events
                fates = Array(repeating: nil, count: object.events.count)
                unresolved = object.events.count
                bytes = object.events.reduce(0) { $0 + $1.event.body.count }
            }
        }

        var policy: any SweepPolicy
        let clock: any WallClock
        let concurrency: Int
        let maxOpenObjects: Int
        let maxOpenBytes: Int
        /// Why the pass must stop now, if it must (the deadline, a shutdown); asked before each event is admitted
        /// and before each delivery starts.
        let stopSignal: @Sendable () -> SweepReport.StopReason?

        /// The report so far.
        var report: SweepReport
        /// Whether the ordering keys of every object left in `pending/` are known, so marks of other keys may
        /// be released.
        var knowsAllOrderingKeys = true
        /// Ordering keys of events left in `pending/`.
        var pendingOrderingKeys: Set<String> = []
        /// Ordering keys of held events: later events of these keys are held back.
        var held = HeldOrderingKeys()
        /// An object in `pending/` could not be read: its ordering keys are unknown, so no later event with an
        /// ordering key is sent in this pass.
        var pendingObjectUnread = false

        var gate = OrderingGate<Ticket>()
        var objects: [Int: OpenObject] = [:]
        /// Body bytes of the open objects.
        var openBytes = 0
        var nextObjectNumber = 0
        /// Tickets that may be sent, in order; `readyStart` is the first not yet taken.
        var ready: [Ticket] = []
        var readyStart = 0
        /// Objects whose events all have a fate, waiting for their writes to start.
        var toSettle: [Int] = []
        var inFlight = 0
        var settling = 0
        /// Progress to show, in order.
        var progressShown: [ReplayProgress] = []
        /// The pass's circuit breaker: it ends the pass when the primary broker keeps failing.
        var breaker: CircuitBreaker
        var oldestPending: Date?
        /// The object being admitted: it is queued for settling once all its events were seen.
        var admitting: Int?
        /// Whether the last object a sweep read was due.
        var lastWasDue = true
        var visit: Visit?
        var listingOver = false

        init(
            policy: any SweepPolicy,
            clock: any WallClock,
            concurrency: Int,
            circuitBreakerThreshold: Int,
            maxOpenBytes: Int,
            report: SweepReport,
            stopSignal: @escaping @Sendable () -> SweepReport.StopReason? = { nil }
        ) {
            self.policy = policy
            self.clock = clock
            self.concurrency = max(1, concurrency)
            self.maxOpenObjects = max(64, 4 * max(1, concurrency))
            self.maxOpenBytes = maxOpenBytes
            // A pass never probes: `breakDuration` does not matter, only when the circuit opens.
            self.breaker = CircuitBreaker(
                configuration: CircuitBreakerConfiguration(
                    failureThreshold: circuitBreakerThreshold,
                    breakDuration: .zero
                )
            )
            self.report = report
            self.stopSignal = stopSignal
        }

        // MARK: - Scheduling

        /// What to do now: start what may start, read on while there is room, wait, or finish.
        mutating func nextAction() -> Action {
            while true {
                if !progressShown.isEmpty {
                    return .showProgress(progressShown.removeFirst())
                }
                if let delivery = nextDelivery() {
                    return delivery
                }
                if !toSettle.isEmpty {
                    if let settle = settle(toSettle.removeFirst()) { return settle }
                    continue  // settled at once: nothing to write
                }
                if wantsObjects && (isStopped || hasRoom) {
                    return .visitNextObject
                }
                if inFlight > 0 || settling > 0 {
                    return .awaitResult
                }
                // Nothing running: there is room by any bound.
                return wantsObjects ? .visitNextObject : .finish
            }
        }

        /// Whether the pass reads on: after a stop only a sweep does, to count what is left (headers, nothing
        /// sent); a replay of named events stops once it found them all.
        private var wantsObjects: Bool {
            guard !listingOver else { return false }
            return isStopped ? policy.countsWhatIsLeft : !policy.hasFoundEverything
        }

        /// Whether the window, the ready tickets and the open objects leave room to read another object.
        private var hasRoom: Bool {
            guard inFlight < concurrency, readyStart == ready.count, objects.count < maxOpenObjects else {
                return false
            }
            return objects.isEmpty || openBytes < maxOpenBytes
        }

        /// The next ready ticket to send while the window allows; after a stop, ready tickets are left as they are.
        private mutating func nextDelivery() -> Action? {
            defer {
                if readyStart > 1024 && readyStart * 2 > ready.count {
                    ready.removeFirst(readyStart)
                    readyStart = 0
                }
            }
            while readyStart < ready.count {
                checkStop()
                let ticket = ready[readyStart]
                if isStopped {
                    readyStart += 1
                    let reason = stoppedReason
                    leaveUnsent(ticket, .notAttempted, reason)
                    hold(event(ticket)?.event.orderingKey)
                    continue
                }
                guard inFlight < concurrency else { return nil }
                readyStart += 1
                guard let spooled = event(ticket), let open = objects[ticket.object] else { continue }
                inFlight += 1
                return .deliver(ticket, spooled, policy.purpose(from: open.state))
            }
            return nil
        }

        /// The writes that settle an object, or `nil` when nothing changed and it is settled at once.
        private mutating func settle(_ number: Int) -> Action? {
            guard let open = objects[number] else { return nil }
            let fates = open.fates.enumerated().map { index, fate in
                fate ?? .kept(open.events[index], changed: false)
            }
            let settlement = ObjectSettlement(key: open.key, state: open.state, fates: fates)
            guard settlement.changesObject else {
                close(number)
                account(ObjectSettlement.Effect(kept: open.events), of: open)
                return nil
            }
            settling += 1
            return .settle(number, settlement)
        }

        /// Forgets an open object: its memory is free for the next one.
        mutating func close(_ number: Int) {
            guard let open = objects.removeValue(forKey: number) else { return }
            openBytes -= open.bytes
        }

        // MARK: - Events from the driver

        /// The ordering keys of the held events were read (before anything is listed).
        mutating func heldOrderingKeysRead(_ held: HeldOrderingKeys) {
            self.held = held
            if let failure = held.failure {
                report.failure = report.failure ?? failure
                knowsAllOrderingKeys = false
            }
        }

        /// A listing failed: the pass did not see all of what it lists.
        mutating func listingFailed(_ states: String, _ error: any Error) {
            report.failure = "listing \(states)/ failed: \(error)"
            report.remainingIsKnown = false
            knowsAllOrderingKeys = false
        }

        /// Nothing more is listed.
        mutating func listingEnded() {
            listingOver = true
        }

        /// A delivery finished: the event gets its fate.
        mutating func attemptFinished(_ ticket: Ticket, fate: DeliveryAttempt.Fate, primary: DeliveryResult.Outcome) {
            inFlight -= 1
            apply(fate, primary: primary, to: ticket)
        }

        /// An object's writes finished.
        mutating func settleFinished(_ number: Int, _ effect: ObjectSettlement.Effect) {
            settling -= 1
            guard let open = objects[number] else { return }
            close(number)
            account(effect, of: open)
        }

        /// An object's writes were not started: the pass lost the sweeper's lease. The object stays as it was, so
        /// the ordering keys left in `pending/` are no longer known, and the pass stops.
        mutating func settlementAbandoned(_ number: Int) {
            settling -= 1
            close(number)
            knowsAllOrderingKeys = false
            stop(.leaseLost)
        }

        /// Stops the pass for `reason` (a lost lease, say): in-flight deliveries finish, nothing more starts.
        mutating func stopRequested(_ reason: SweepReport.StopReason) {
            stop(reason)
        }

        /// Completes the report; returns the last progress to show, if any.
        mutating func finish() -> ReplayProgress? {
            if let oldestPending {
                report.oldestPendingAge = .age(of: oldestPending, at: clock.now)
            }
            return policy.finish(&report)
        }

        // MARK: - Stopping

        var isStopped: Bool { report.stoppedEarly != nil }

        mutating func checkStop() {
            guard !isStopped, let reason = stopSignal() else { return }
            stop(reason)
        }

        mutating func stop(_ reason: SweepReport.StopReason) {
            guard !isStopped else { return }
            report.stoppedEarly = reason
        }

        /// Why events were not attempted after a stop.
        var stoppedReason: String {
            "the replay stopped early (\(report.stoppedEarly.map { "\($0)" } ?? "stopped"))"
        }

        func event(_ ticket: Ticket) -> SpooledEvent? {
            guard let open = objects[ticket.object], open.events.indices.contains(ticket.index) else { return nil }
            return open.events[ticket.index]
        }

        mutating func notePending(since time: Date) {
            if let oldest = oldestPending, oldest <= time { return }
            oldestPending = time
        }
    }
}
