import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import Logging
import ServiceLifecycle

import struct Foundation.Date

/// One pass over the spool: reads objects in key order, sends their due events with bounded
/// concurrency in per-ordering-key order, and settles each object once all its events have a fate.
///
/// Memory stays flat however large the spool is: the listing streams, at most ``maxOpenObjects``
/// objects are held at once, and only the distinct ordering keys of the pass are remembered.
/// A pass runs in one task (the caller's); only deliveries and object writes run in child tasks.
final class SweepPass {
    /// Where the objects of a pass come from.
    enum Source {
        /// Every object in these states, in one key order (for one key, in the order of the states).
        case listing([SpoolState])
        /// These objects, in this order.
        case objects([(SpoolKey, SpoolState)])
    }

    /// What the pass is for.
    enum Purpose {
        /// A sweep: honours next-attempt times and applies the retry and fallback policies.
        case sweep
        /// An operator's replay of the selected events (and the earlier pending events of their ordering keys),
        /// ignoring backoff; with `dryRun` nothing is sent.
        case replay(ReplayPlan, dryRun: Bool)
    }

    /// Identifies one event of one open object.
    struct Ticket: Sendable, Hashable {
        var object: Int
        var index: Int
    }

    /// What a child task hands back.
    private enum ChildResult: Sendable {
        case attempted(Ticket, fate: DeliveryAttempt.Fate, primary: DeliveryResult.Outcome)
        case settled(Int, ObjectSettlement.Effect)
    }

    /// An object read in this pass whose events do not all have a fate yet, or whose writes are running.
    private final class OpenObject {
        let key: SpoolKey
        let state: SpoolState
        let events: [SpooledEvent]
        var fates: [ObjectSettlement.Fate?]
        var unresolved: Int

        init(_ object: SpoolObject) {
            key = object.key
            state = object.state
            events = object.events
            fates = Array(repeating: nil, count: object.events.count)
            unresolved = object.events.count
        }
    }

    private let spool: any Spool
    /// The sweeper's lease, checked before every delivery and write; `nil` for a dry run, which writes nothing.
    private let lease: (any SpoolLease)?
    private let attempt: DeliveryAttempt
    private let clock: any WallClock
    private let logger: Logger
    private let purpose: Purpose
    private let concurrency: Int
    private let deadline: SweepDeadline?
    private let progress: (@Sendable (ReplayProgress) -> Void)?
    /// Bounds memory: objects read but not yet settled.
    private let maxOpenObjects: Int

    /// The report so far.
    private(set) var report: SweepReport
    /// Whether the ordering keys of every object left in `pending/` are known, so marks of other keys may
    /// be released.
    private(set) var knowsAllOrderingKeys = true
    /// Ordering keys of events left in `pending/`.
    private(set) var pendingOrderingKeys: Set<String> = []
    /// Ordering keys of held events: later events of these keys are held back (read when the pass starts).
    private(set) var held = HeldOrderingKeys()

    private var gate = OrderingGate<Ticket>()
    private var objects: [Int: OpenObject] = [:]
    private var nextObjectNumber = 0
    /// Tickets that may be sent, in order; `readyStart` is the first not yet taken.
    private var ready: [Ticket] = []
    private var readyStart = 0
    /// Objects whose events all have a fate, waiting for their writes to start.
    private var toSettle: [Int] = []
    private var inFlight = 0
    /// The pass's circuit breaker: it ends the pass when the primary broker keeps failing.
    private var breaker: CircuitBreaker
    private var oldestPending: Date?
    private var progressTotal = 0
    private var progressDone = 0
    private var progressDelivered = 0
    /// The object `admit` is working on.
    private var admitting: Int?
    /// Whether the last object a sweep visited was due (see `visit`).
    private var lastWasDue = true
    /// Replay: named ids and keys found so far.
    private var foundIDs: Set<String> = []
    private var foundKeys: Set<SpoolKey> = []

    init(
        spool: any Spool,
        lease: (any SpoolLease)?,
        attempt: DeliveryAttempt,
        clock: any WallClock,
        logger: Logger,
        purpose: Purpose,
        concurrency: Int,
        circuitBreakerThreshold: Int,
        deadline: SweepDeadline?,
        progress: (@Sendable (ReplayProgress) -> Void)?,
        report: SweepReport
    ) {
        self.spool = spool
        self.lease = lease
        self.attempt = attempt
        self.clock = clock
        self.logger = logger
        self.purpose = purpose
        self.concurrency = max(1, concurrency)
        // A pass never probes: `breakDuration` does not matter, only when the circuit opens.
        self.breaker = CircuitBreaker(
            configuration: CircuitBreakerConfiguration(failureThreshold: circuitBreakerThreshold, breakDuration: .zero)
        )
        self.deadline = deadline
        self.progress = progress
        self.maxOpenObjects = max(64, 4 * max(1, concurrency))
        self.report = report
    }

    // MARK: - Running

    /// Runs the pass over `sources`, in order, and finishes the report.
    ///
    /// - Parameter total: The number of selected events, for replay progress.
    func run(_ sources: [Source], total: Int = 0) async {
        progressTotal = total
        progress?(ReplayProgress(done: 0, total: total, delivered: 0))
        held = await HeldOrderingKeys.read(from: spool, logger: logger)
        if let failure = held.failure {
            report.failure = report.failure ?? failure
            knowsAllOrderingKeys = false
        }
        await withTaskGroup(of: ChildResult.self) { group in
            for source in sources {
                switch source {
                case .listing(let states):
                    await walk(states, group: &group)
                case .objects(let list):
                    for (key, state) in list where !isStopped {
                        await makeRoom(&group)
                        await visit(key, in: state)
                    }
                }
                if isStopped || allSelectedFound { break }
            }
            // Let the deliveries in flight finish (they are never abandoned), then the writes.
            startReady(&group)
            while let result = await group.next() {
                handle(result)
                startReady(&group)
            }
        }
        finishReport()
    }

    /// Visits the objects of some states in key order. After a stop, a sweep goes on listing only to count
    /// what remains (header reads, nothing sent).
    private func walk(_ states: [SpoolState], group: inout TaskGroup<ChildResult>) async {
        var entries = MergedListing(spool, states: states)
        let state = states.map(\.rawValue).joined(separator: "/ and ")
        while true {
            let entry: SpoolEntry?
            do {
                entry = try await entries.next()
            } catch {
                logger.info("cannot list the spool", metadata: ["spool.state": "\(state)", "error": "\(error)"])
                report.failure = "listing \(state)/ failed: \(error)"
                report.remainingIsKnown = false
                knowsAllOrderingKeys = false
                return
            }
            guard let entry else { return }
            if isStopped {
                guard case .sweep = purpose else { return }
                await countUnvisited(entry.key)
                continue
            }
            await makeRoom(&group)
            await visit(entry.key, in: entry.state)
            if allSelectedFound { return }
        }
    }

    /// Starts what may start, and waits for results while the delivery window or the open objects are full.
    private func makeRoom(_ group: inout TaskGroup<ChildResult>) async {
        startReady(&group)
        while inFlight >= concurrency || objects.count >= maxOpenObjects || readyStart < ready.count {
            guard let result = await group.next() else { return }
            handle(result)
            startReady(&group)
        }
    }

    // MARK: - Reading objects

    /// Reads one object and admits its events; a sweep skips an object that is not due.
    ///
    /// While objects keep being due (draining a backlog) a sweep reads each one whole at once; after one
    /// that is not due it reads headers first, so a run of objects waiting for later costs no body reads.
    private func visit(_ key: SpoolKey, in state: SpoolState) async {
        if case .replay(let plan, _) = purpose, await !mayHoldReplayedEvents(key, in: state, plan) {
            return
        }
        if case .sweep = purpose, !lastWasDue {
            let header: SpoolObjectHeader
            do {
                header = try await spool.header(key, in: state)
            } catch {
                await unreadable(key, in: state, error)
                return
            }
            if header.nextAttemptAt > clock.now {
                await skipNotDue(key, eventCount: header.eventCount, orderingKeys: header.orderingKeys)
                return
            }
        }
        let object: SpoolObject
        do {
            object = try await spool.get(key, in: state)
        } catch {
            await unreadable(key, in: state, error)
            return
        }
        if case .sweep = purpose {
            lastWasDue = object.nextAttemptAt <= clock.now
            guard lastWasDue else {
                let orderingKeys = Set(object.events.compactMap(\.event.orderingKey))
                await skipNotDue(key, eventCount: object.events.count, orderingKeys: orderingKeys)
                return
            }
        }
        admit(object)
    }

    /// Whether a replay must read the object `key`: it may hold selected events, or events of an ordering key's
    /// prefix — the latter only when its header says it has ordering keys.
    private func mayHoldReplayedEvents(_ key: SpoolKey, in state: SpoolState, _ plan: ReplayPlan) async -> Bool {
        if plan.selection.mayHold(key, in: state) { return true }
        guard plan.mayHoldPrefix(key, in: state) else { return false }
        // Unreadable: read it whole, so that the pass quarantines or reports it.
        return (try? await spool.header(key, in: state).orderingKeys) != []
    }

    /// Counts a whole object whose next attempt is later; its ordering keys are held back for the rest of
    /// the pass. When they are not known (`nil`: the header does not say) the object is read to learn them.
    private func skipNotDue(_ key: SpoolKey, eventCount: Int, orderingKeys: Set<String>?) async {
        var orderingKeys = orderingKeys
        if orderingKeys == nil {
            // A later event of one of its keys must not overtake it.
            do {
                orderingKeys = Set(try await spool.get(key, in: .pending).events.compactMap(\.event.orderingKey))
            } catch {
                await unreadable(key, in: .pending, error)
                return
            }
        }
        report.notDue += eventCount
        report.remaining += eventCount
        notePending(since: key.time)
        for orderingKey in orderingKeys ?? [] {
            pendingOrderingKeys.insert(orderingKey)
            gate.closeBehind(orderingKey)
        }
    }

    /// Counts an object the pass did not reach because it stopped early.
    private func countUnvisited(_ key: SpoolKey) async {
        let header: SpoolObjectHeader
        do {
            header = try await spool.header(key, in: .pending)
        } catch {
            await unreadable(key, in: .pending, error)
            return
        }
        if header.nextAttemptAt > clock.now {
            report.notDue += header.eventCount
        } else {
            report.deferred += header.eventCount
        }
        report.remaining += header.eventCount
        notePending(since: key.time)
        if let orderingKeys = header.orderingKeys {
            pendingOrderingKeys.formUnion(orderingKeys)
        } else {
            knowsAllOrderingKeys = false
        }
    }

    /// Quarantines a corrupt or unsafe object; notes any other read error and goes on.
    private func unreadable(_ key: SpoolKey, in state: SpoolState, _ error: SpoolError) async {
        switch error.code {
        case .notFound:
            // Removed since it was listed (a write-ahead publisher settled it): nothing to do.
            return
        case _ where error.isDamage && holdsLease:
            do {
                let quarantined = try await spool.quarantine(key, from: state)
                logger.info(
                    "object quarantined",
                    metadata: [
                        "spool.key": "\(key)", "spool.state": "\(state)", "spool.quarantineKey": "\(quarantined)",
                        "error": "\(error)",
                    ]
                )
                report.recordQuarantined(
                    SweepReport.QuarantinedObject(
                        key: key.rawValue,
                        from: state.rawValue,
                        reason: error.description,
                        quarantineKey: quarantined.rawValue
                    )
                )
                return
            } catch {
                logger.info("cannot quarantine an object", metadata: ["spool.key": "\(key)", "error": "\(error)"])
            }
        default:
            logger.info(
                "cannot read an object; left for the next pass",
                metadata: ["spool.key": "\(key)", "error": "\(error)"]
            )
        }
        report.unreadable += 1
        knowsAllOrderingKeys = false
    }

    // MARK: - Admitting events

    /// Gives every event of `object` its place: sent now, waiting behind its ordering key, or left as it is.
    private func admit(_ object: SpoolObject) {
        let number = nextObjectNumber
        nextObjectNumber += 1
        let open = OpenObject(object)
        objects[number] = open
        admitting = number
        defer {
            admitting = nil
            if open.unresolved == 0 { toSettle.append(number) }
        }
        for (index, spooled) in object.events.enumerated() {
            let ticket = Ticket(object: number, index: index)
            let orderingKey = spooled.event.orderingKey
            switch purpose {
            case .sweep:
                if spooled.delivery.nextAttemptAt > clock.now {
                    report.notDue += 1
                    leave(ticket)
                    gate.closeBehind(orderingKey)
                    continue
                }
            case .replay(let plan, let dryRun):
                noteFound(spooled.event.id, in: object.key, selection: plan.selection)
                if plan.selection.selects(spooled, in: object.key, state: object.state) {
                    report.selected += 1
                } else if plan.isPrefix(spooled.event, at: .init(key: object.key, state: object.state, index: index)) {
                    // Sent first, so that the selected event of its key does not overtake it.
                    report.orderingPrefix += 1
                } else {
                    leave(ticket, counted: false)
                    continue
                }
                if dryRun {
                    leave(ticket, counted: false)
                    continue
                }
            }
            if held.holdsBack(orderingKey, in: object.key) {
                leaveUnsent(ticket, .heldBack, "an earlier event of ordering key '\(orderingKey ?? "")' is held")
                gate.closeBehind(orderingKey)
                continue
            }
            checkStop()
            if isStopped {
                leaveUnsent(ticket, .notAttempted, stoppedReason)
                gate.closeBehind(orderingKey)
                continue
            }
            switch gate.admit(ticket, key: orderingKey) {
            case .go:
                ready.append(ticket)
            case .wait:
                break
            case .hold:
                leaveUnsent(ticket, .heldBack, "an earlier event of ordering key '\(orderingKey ?? "")' failed")
            }
        }
    }

    /// Starts deliveries of ready tickets while the window allows; after a stop, leaves them as they are.
    /// Then starts the writes of objects whose events all have a fate.
    private func startReady(_ group: inout TaskGroup<ChildResult>) {
        while readyStart < ready.count {
            checkStop()
            let ticket = ready[readyStart]
            if isStopped {
                readyStart += 1
                leaveUnsent(ticket, .notAttempted, stoppedReason)
                hold(event(ticket)?.event.orderingKey)
                continue
            }
            guard inFlight < concurrency else { break }
            readyStart += 1
            guard let spooled = event(ticket) else { continue }
            inFlight += 1
            let attempt = attempt
            let purpose: DeliveryAttempt.Purpose =
                if case .sweep = self.purpose { .sweep } else {
                    .replay(fromDead: objects[ticket.object]?.state == .dead)
                }
            group.addTask {
                let (fate, primary) = await attempt.run(spooled, purpose: purpose)
                return .attempted(ticket, fate: fate, primary: primary)
            }
        }
        if readyStart > 1024 && readyStart * 2 > ready.count {
            ready.removeFirst(readyStart)
            readyStart = 0
        }
        for number in toSettle {
            settle(number, &group)
        }
        toSettle.removeAll(keepingCapacity: true)
    }

    // MARK: - Results

    private func handle(_ result: ChildResult) {
        switch result {
        case .attempted(let ticket, let fate, let primary):
            inFlight -= 1
            apply(fate, primary: primary, to: ticket)
        case .settled(let number, let effect):
            if let open = objects.removeValue(forKey: number) {
                account(effect, of: open)
            }
        }
    }

    /// Gives the attempted event its fate and lets the next one of its ordering key go, or holds them back.
    private func apply(_ fate: DeliveryAttempt.Fate, primary: DeliveryResult.Outcome, to ticket: Ticket) {
        let orderingKey = event(ticket)?.event.orderingKey
        defer {
            // After the fate: an endpoint that is gone stops the pass for that reason, not as a failure.
            if breaker.record(primary, now: clock.now) {
                stop(.circuitOpen)
            }
        }
        switch fate {
        case .delivered:
            report.delivered += 1
            resolve(ticket, .removed, delivered: true)
            releaseNext(orderingKey)
        case .deliveredToSecondary:
            report.deliveredToSecondary += 1
            resolve(ticket, .removed, delivered: true)
            releaseNext(orderingKey)
        case .givenUp(let spooled):
            // Counted once the dead-letter write succeeds (see `account`).
            resolve(ticket, .dead(spooled))
            releaseNext(orderingKey)
        case .deferred(let spooled), .failedAgain(let spooled):
            countFailure(ticket, spooled)
            resolve(ticket, .kept(spooled, changed: true))
            hold(orderingKey)
        case .endpointGone(let spooled, let error):
            countFailure(ticket, spooled)
            report.endpointGone = true
            report.endpointError = error
            resolve(ticket, .kept(spooled, changed: true))
            hold(orderingKey)
            stop(.endpointGone)
        }
    }

    /// Blocks `orderingKey` for the rest of the pass; events waiting behind it are left as they are.
    private func hold(_ orderingKey: String?) {
        for ticket in gate.block(orderingKey) {
            leaveUnsent(ticket, .heldBack, "an earlier event of ordering key '\(orderingKey ?? "")' failed")
        }
    }

    /// Leaves a due event unsent in this pass, counted `deferred`; a replay lists it with why.
    private func leaveUnsent(
        _ ticket: Ticket,
        _ fate: SweepReport.NotDelivered.Fate,
        _ reason: @autoclosure () -> String
    ) {
        report.deferred += 1
        if case .replay = purpose, let open = objects[ticket.object], let spooled = event(ticket) {
            report.recordNotDelivered(
                .init(spooled, key: open.key, state: open.state, fate: fate, reason: reason())
            )
        }
        leave(ticket)
    }

    /// Counts an attempted event that stays where it was: `deferred`, or `failedAgain` for a replayed dead
    /// event; a replay lists it with the broker's answer.
    private func countFailure(_ ticket: Ticket, _ spooled: SpooledEvent) {
        guard case .replay = purpose, let open = objects[ticket.object] else {
            report.deferred += 1
            return
        }
        let failure = SweepReport.NotDelivered(failed: spooled, key: open.key, state: open.state, now: clock.now)
        if failure.fate == .failedAgain {
            report.failedAgain += 1
        } else {
            report.deferred += 1
        }
        report.recordNotDelivered(failure)
    }

    /// Why events were not attempted after a stop.
    private var stoppedReason: String {
        "the replay stopped early (\(report.stoppedEarly.map { "\($0)" } ?? "stopped"))"
    }

    private func releaseNext(_ orderingKey: String?) {
        if let next = gate.advance(orderingKey) {
            ready.append(next)
        }
    }

    /// Leaves an event of an open object unchanged.
    private func leave(_ ticket: Ticket, counted: Bool = true) {
        guard let spooled = event(ticket) else { return }
        resolve(ticket, .kept(spooled, changed: false), counted: counted)
    }

    private func resolve(
        _ ticket: Ticket,
        _ fate: ObjectSettlement.Fate,
        delivered: Bool = false,
        counted: Bool = true
    ) {
        guard let open = objects[ticket.object], open.fates[ticket.index] == nil else { return }
        open.fates[ticket.index] = fate
        open.unresolved -= 1
        if case .replay = purpose, counted {
            progressDone += 1
            progressDelivered += delivered ? 1 : 0
            progress?(
                ReplayProgress(
                    done: progressDone,
                    total: max(progressTotal, progressDone),
                    delivered: progressDelivered
                )
            )
        }
        // An object still being admitted is queued for settling at the end of `admit`.
        if open.unresolved == 0 && ticket.object != admitting {
            toSettle.append(ticket.object)
        }
    }

    /// Starts the writes that settle an object, or settles it at once when nothing changed. Without the lease
    /// the object is left as it is: its delivered events are sent again by the next holder (at-least-once).
    private func settle(_ number: Int, _ group: inout TaskGroup<ChildResult>) {
        guard let open = objects[number] else { return }
        guard holdsLease else {
            objects[number] = nil
            knowsAllOrderingKeys = false
            stop(.leaseLost)
            return
        }
        let fates = open.fates.enumerated().map { index, fate in
            fate ?? .kept(open.events[index], changed: false)
        }
        let settlement = ObjectSettlement(key: open.key, state: open.state, fates: fates)
        guard settlement.changesObject else {
            objects[number] = nil
            account(ObjectSettlement.Effect(kept: open.events), of: open)
            return
        }
        let spool = spool
        let logger = logger
        group.addTask {
            .settled(number, await settlement.apply(to: spool, logger: logger))
        }
    }

    /// Adds a settled object to the report.
    private func account(_ effect: ObjectSettlement.Effect, of open: OpenObject) {
        let now = clock.now
        for spooled in effect.deadLettered {
            let age = Duration.age(of: spooled.delivery.spooledAt, at: now)
            let reason = spooled.delivery.deadReason ?? "given up"
            report.recordGivenUp(
                SweepReport.GivenUpEvent(
                    id: spooled.event.id,
                    type: spooled.event.type,
                    key: open.key.rawValue,
                    age: age,
                    attempts: spooled.delivery.attempts,
                    lastError: spooled.delivery.lastError,
                    reason: reason
                )
            )
            logger.info(
                "event given up and moved to dead/",
                metadata: [
                    "event.id": "\(spooled.event.id)", "event.type": "\(spooled.event.type)",
                    "spool.key": "\(open.key)",
                    "delivery.attempts": "\(spooled.delivery.attempts)", "reason": "\(reason)",
                ]
            )
        }
        if let quarantined = effect.quarantinedDeadObject {
            report.recordQuarantined(quarantined)
        }
        // Given-up events whose dead-letter write failed stay pending: deferred to the next pass.
        report.deferred += effect.notDeadLettered
        if let writeError = effect.writeError {
            knowsAllOrderingKeys = false
            report.failure = report.failure ?? writeError
        }
        guard open.state == .pending, case .sweep = purpose else { return }
        report.remaining += effect.kept.count
        for spooled in effect.kept {
            notePending(since: spooled.delivery.spooledAt)
            if let orderingKey = spooled.event.orderingKey {
                pendingOrderingKeys.insert(orderingKey)
            }
        }
    }

    // MARK: - Stopping

    private var isStopped: Bool { report.stoppedEarly != nil }

    /// Whether the pass may still write and deliver: it holds the sweeper's lease (a dry run needs none).
    private var holdsLease: Bool { lease?.isValid ?? true }

    /// Stops when the lease is lost, at the deadline, on graceful shutdown, or when the task is cancelled.
    private func checkStop() {
        guard !isStopped else { return }
        if !holdsLease {
            stop(.leaseLost)
        } else if let deadline, deadline.hasPassed() {
            stop(.deadline)
        } else if Task.isCancelled || Task.isShuttingDownGracefully {
            stop(.shutdown)
        }
    }

    private func stop(_ reason: SweepReport.StopReason) {
        guard !isStopped else { return }
        report.stoppedEarly = reason
        logger.info("pass stopped early", metadata: ["sweep.stop": "\(reason)"])
    }

    // MARK: - Helpers

    private func event(_ ticket: Ticket) -> SpooledEvent? {
        guard let open = objects[ticket.object], open.events.indices.contains(ticket.index) else { return nil }
        return open.events[ticket.index]
    }

    private func notePending(since time: Date) {
        if let oldest = oldestPending, oldest <= time { return }
        oldestPending = time
    }

    private func noteFound(_ id: String, in key: SpoolKey, selection: ReplaySelection) {
        guard case .named(let ids, let keys) = selection.scope else { return }
        if ids.contains(id) { foundIDs.insert(id) }
        if keys.contains(key) { foundKeys.insert(key) }
    }

    /// A replay of named events and objects has found every one of them: the rest of the spool can be skipped.
    private var allSelectedFound: Bool {
        guard case .replay(let plan, _) = purpose, case .named(let ids, let keys) = plan.selection.scope else {
            return false
        }
        return foundIDs.count == ids.count && foundKeys.count == keys.count
    }

    private func finishReport() {
        if let oldestPending {
            report.oldestPendingAge = .age(of: oldestPending, at: clock.now)
        }
        guard case .replay(let plan, let dryRun) = purpose else { return }
        let replayed = report.selected + report.orderingPrefix
        report.remaining = max(0, replayed - report.delivered - report.deliveredToSecondary)
        if case .named(let ids, let keys) = plan.selection.scope {
            report.missing = ids.subtracting(foundIDs).sorted() + keys.subtracting(foundKeys).map(\.rawValue).sorted()
        }
        // The total was an estimate when a type filter met objects named by key: end the bar at 100 %.
        if progressTotal != progressDone && !dryRun {
            progress?(ReplayProgress(done: progressDone, total: progressDone, delivered: progressDelivered))
        }
    }
}
