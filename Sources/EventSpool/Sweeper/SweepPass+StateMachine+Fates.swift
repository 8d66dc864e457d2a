import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage

extension SweepPass.StateMachine {
    // MARK: - Admitting events

    /// Gives every event of `object` its place: sent now, waiting behind its ordering key, or left as it is.
    mutating func admit(_ object: SpoolObject) {
        let number = nextObjectNumber
        nextObjectNumber += 1
        let open = OpenObject(object)
        objects[number] = open
        openBytes += open.bytes
        admitting = number
        for (index, spooled) in object.events.enumerated() {
            let ticket = Ticket(object: number, index: index)
            let orderingKey = spooled.event.orderingKey
            if policy.honoursNextAttempt && spooled.delivery.nextAttemptAt > clock.now {
                report.notDue += 1
                leave(ticket)
                gate.closeBehind(orderingKey)
                continue
            }
            let position = ReplayPlan.Position(key: object.key, state: object.state, index: index)
            guard policy.admit(spooled, at: position, report: &report) == .send else {
                leave(ticket, counted: false)
                continue
            }
            if held.holdsBack(orderingKey, in: object.key) {
                leaveUnsent(ticket, .heldBack, "an earlier event of ordering key '\(orderingKey ?? "")' is held")
                gate.closeBehind(orderingKey)
                continue
            }
            if orderingKey != nil && pendingObjectUnread {
                leaveUnsent(ticket, .heldBack, "an earlier object in pending/ could not be read")
                gate.closeBehind(orderingKey)
                continue
            }
            checkStop()
            if isStopped {
                let reason = stoppedReason
                leaveUnsent(ticket, .notAttempted, reason)
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
        admitting = nil
        if objects[number]?.unresolved == 0 {
            toSettle.append(number)
        }
    }

    // MARK: - Fates

    /// Gives the attempted event its fate and lets the next one of its ordering key go, or holds them back.
    mutating func apply(_ fate: DeliveryAttempt.Fate, primary: DeliveryResult.Outcome, to ticket: Ticket) {
        let orderingKey = event(ticket)?.event.orderingKey
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
        // After the fate: an endpoint that is gone stops the pass for that reason, not as a failure.
        if breaker.record(primary, now: clock.now) {
            stop(.circuitOpen)
        }
    }

    /// Blocks `orderingKey` for the rest of the pass; events waiting behind it are left as they are.
    mutating func hold(_ orderingKey: String?) {
        for ticket in gate.block(orderingKey) {
            leaveUnsent(ticket, .heldBack, "an earlier event of ordering key '\(orderingKey ?? "")' failed")
        }
    }

    /// Leaves a due event unsent in this pass, counted `deferred`; a replay lists it with why.
    mutating func leaveUnsent(
        _ ticket: Ticket,
        _ fate: SweepReport.NotDelivered.Fate,
        _ reason: @autoclosure () -> String
    ) {
        report.deferred += 1
        if policy.listsNotDelivered, let open = objects[ticket.object], let spooled = event(ticket) {
            report.recordNotDelivered(.init(spooled, key: open.key, state: open.state, fate: fate, reason: reason()))
        }
        leave(ticket)
    }

    /// Counts an attempted event that stays where it was: `deferred`, or `failedAgain` for a replayed dead
    /// event; a replay lists it with the broker's answer.
    private mutating func countFailure(_ ticket: Ticket, _ spooled: SpooledEvent) {
        guard policy.listsNotDelivered, let open = objects[ticket.object] else {
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

    private mutating func releaseNext(_ orderingKey: String?) {
        if let next = gate.advance(orderingKey) {
            ready.append(next)
        }
    }

    /// Leaves an event of an open object unchanged.
    mutating func leave(_ ticket: Ticket, counted: Bool = true) {
        guard let spooled = event(ticket) else { return }
        resolve(ticket, .kept(spooled, changed: false), counted: counted)
    }

    private mutating func resolve(
        _ ticket: Ticket,
        _ fate: ObjectSettlement.Fate,
        delivered: Bool = false,
        counted: Bool = true
    ) {
        guard let open = objects[ticket.object], open.fates[ticket.index] == nil else { return }
        objects[ticket.object]?.fates[ticket.index] = fate
        objects[ticket.object]?.unresolved -= 1
        if counted, let progress = policy.resolved(delivered: delivered) {
            progressShown.append(progress)
        }
        // An object still being admitted is queued for settling at the end of `admit`.
        if open.unresolved == 1 && ticket.object != admitting {
            toSettle.append(ticket.object)
        }
    }

    // MARK: - Accounting

    /// Adds a settled object to the report.
    mutating func account(_ effect: ObjectSettlement.Effect, of open: OpenObject) {
        let now = clock.now
        for spooled in effect.deadLettered {
            report.recordGivenUp(
                SweepReport.GivenUpEvent(
                    id: spooled.event.id,
                    type: spooled.event.type,
                    key: open.key.rawValue,
                    age: Duration.age(of: spooled.delivery.spooledAt, at: now),
                    attempts: spooled.delivery.attempts,
                    lastError: spooled.delivery.lastError,
                    reason: spooled.delivery.deadReason ?? "given up"
                )
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
        guard open.state == .pending, policy.countsRemaining else { return }
        report.remaining += effect.kept.count
        for spooled in effect.kept {
            notePending(since: spooled.delivery.spooledAt)
            if let orderingKey = spooled.event.orderingKey {
                pendingOrderingKeys.insert(orderingKey)
            }
        }
    }
}
