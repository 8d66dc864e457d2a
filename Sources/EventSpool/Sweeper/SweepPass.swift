import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import Logging
import ServiceLifecycle

/// One pass over the spool: reads objects in key order, sends their due events with bounded concurrency in
/// per-ordering-key order, and settles each object once all its events have a fate.
///
/// This type does the I/O — the listing, the reads, the deliveries and the writes — and nothing else: every
/// decision is its ``StateMachine``'s, which it feeds with what happened. A pass runs in one task (the
/// caller's); only deliveries and object writes run in child tasks. Every call to the spool is in
/// `SweepPass+Storage.swift`.
final class SweepPass {
    /// Where the objects of a pass come from.
    enum Source {
        /// Every object in these states, in one key order (for one key, in the order of the states).
        case listing([SpoolState])
        /// These objects, in this order.
        case objects([(SpoolKey, SpoolState)])
    }

    /// What a child task hands back.
    enum ChildResult: Sendable {
        case attempted(StateMachine.Ticket, fate: DeliveryAttempt.Fate, primary: DeliveryResult.Outcome)
        case settled(Int, ObjectSettlement, ObjectSettlement.Effect)
    }

    let spool: any Spool
    /// The sweeper's lease, checked before every delivery and write; `nil` for a dry run, which writes nothing.
    let lease: (any SpoolLease)?
    let logger: Logger
    private let attempt: DeliveryAttempt
    private let progress: (@Sendable (ReplayProgress) -> Void)?
    var machine: StateMachine

    /// The report so far.
    var report: SweepReport { machine.report }
    /// Whether the ordering keys of every object left in `pending/` are known, so marks of other keys may be
    /// released.
    var knowsAllOrderingKeys: Bool { machine.knowsAllOrderingKeys }
    /// Ordering keys of events left in `pending/`.
    var pendingOrderingKeys: Set<String> { machine.pendingOrderingKeys }
    /// Ordering keys of held events (read when the pass starts).
    var held: HeldOrderingKeys { machine.held }

    init(
        spool: any Spool,
        lease: (any SpoolLease)?,
        attempt: DeliveryAttempt,
        clock: any WallClock,
        logger: Logger,
        policy: any SweepPolicy,
        concurrency: Int,
        circuitBreakerThreshold: Int,
        maxOpenBytes: Int,
        deadline: SweepDeadline?,
        progress: (@Sendable (ReplayProgress) -> Void)?,
        report: SweepReport
    ) {
        self.spool = spool
        self.lease = lease
        self.attempt = attempt
        self.logger = logger
        self.progress = progress
        self.machine = StateMachine(
            policy: policy,
            clock: clock,
            concurrency: concurrency,
            circuitBreakerThreshold: circuitBreakerThreshold,
            maxOpenBytes: maxOpenBytes,
            report: report,
            stopSignal: {
                // Without the lease another sweeper may own the spool by now: nothing more starts.
                if let lease, !lease.isValid { return .leaseLost }
                if let deadline, deadline.hasPassed() { return .deadline }
                if Task.isCancelled || Task.isShuttingDownGracefully { return .shutdown }
                return nil
            }
        )
    }

    /// Runs the pass over `sources`, in order, and finishes the report.
    ///
    /// - Parameter total: The number of selected events, for replay progress.
    func run(_ sources: [Source], total: Int = 0) async {
        progress?(ReplayProgress(done: 0, total: total, delivered: 0))
        machine.heldOrderingKeysRead(await readHeldOrderingKeys())
        var listing = SweepListing(spool, sources)
        var stopLogged = false
        await withTaskGroup(of: ChildResult.self) { group in
            while true {
                let action = machine.nextAction()
                if !stopLogged, let reason = machine.report.stoppedEarly {
                    stopLogged = true
                    logger.info("pass stopped early", metadata: ["sweep.stop": "\(reason)"])
                }
                switch action {
                case .deliver(let ticket, let spooled, let purpose):
                    let attempt = attempt
                    group.addTask {
                        let (fate, primary) = await attempt.run(spooled, purpose: purpose)
                        return .attempted(ticket, fate: fate, primary: primary)
                    }
                case .settle(let number, let settlement):
                    startSettlement(number, settlement, in: &group)
                case .showProgress(let shown):
                    progress?(shown)
                case .visitNextObject:
                    await visitNextObject(&listing)
                case .awaitResult:
                    // Deliveries in flight are never abandoned: the pass waits for each, then for the writes.
                    guard let result = await group.next() else { return }
                    handle(result)
                case .finish:
                    return
                }
            }
        }
        if let last = machine.finish() {
            progress?(last)
        }
    }

    private func handle(_ result: ChildResult) {
        switch result {
        case .attempted(let ticket, let fate, let primary):
            machine.attemptFinished(ticket, fate: fate, primary: primary)
        case .settled(let number, let settlement, let effect):
            logGivenUp(effect, of: settlement.key)
            machine.settleFinished(number, effect)
        }
    }

    private func logGivenUp(_ effect: ObjectSettlement.Effect, of key: SpoolKey) {
        for spooled in effect.deadLettered {
            logger.info(
                "event given up and moved to dead/",
                metadata: [
                    "event.id": "\(spooled.event.id)", "event.type": "\(spooled.event.type)",
                    "spool.key": "\(key)", "delivery.attempts": "\(spooled.delivery.attempts)",
                    "reason": "\(spooled.delivery.deadReason ?? "given up")",
                ]
            )
        }
    }
}
