import EventSpoolModel
import EventSpoolStorage

extension SweepPass.StateMachine {
    // MARK: - Visiting one object

    /// The next object of the listing: what to read of it.
    mutating func listed(_ key: SpoolKey, in state: SpoolState) -> ReadAction {
        if isStopped {
            return begin(key, state, .count)
        }
        switch policy.visit(key, in: state) {
        case .skip:
            return .done
        case .readIfItHasOrderingKeys:
            return begin(key, state, .prefixCheck)
        case .read:
            return begin(key, state, policy.honoursNextAttempt && !lastWasDue ? .dueCheck : .admit)
        }
    }

    /// The header of the visited object was read.
    mutating func headerRead(_ header: SpoolObjectHeader) -> ReadAction {
        guard let visit else { return .done }
        switch visit.step {
        case .dueCheck:
            guard header.nextAttemptAt > clock.now else { return next(.admit) }
            return skipNotDue(eventCount: header.eventCount, orderingKeys: header.orderingKeys)
        case .prefixCheck:
            return header.orderingKeys == [] ? end() : next(.admit)
        case .count:
            countLeft(header)
            return end()
        case .admit, .learnOrderingKeys:
            return end()
        }
    }

    /// The header of the visited object could not be read.
    mutating func headerUnreadable(_ error: SpoolError) -> ReadAction {
        // A replay reads it whole, so that the pass quarantines or reports it.
        if visit?.step == .prefixCheck { return next(.admit) }
        return unreadable(error)
    }

    /// The visited object was read whole.
    mutating func objectRead(_ object: SpoolObject) -> ReadAction {
        guard let visit else { return .done }
        switch visit.step {
        case .admit:
            if policy.honoursNextAttempt {
                lastWasDue = object.nextAttemptAt <= clock.now
                guard lastWasDue else {
                    let orderingKeys = Set(object.events.compactMap(\.event.orderingKey))
                    return skipNotDue(eventCount: object.events.count, orderingKeys: orderingKeys)
                }
            }
            admit(object)
        case .learnOrderingKeys(let eventCount):
            _ = skipNotDue(eventCount: eventCount, orderingKeys: Set(object.events.compactMap(\.event.orderingKey)))
        case .dueCheck, .prefixCheck, .count:
            break
        }
        return end()
    }

    /// The visited object could not be read: a damaged one is quarantined; any other error is noted and the pass
    /// goes on.
    mutating func objectUnreadable(_ error: SpoolError) -> ReadAction {
        unreadable(error)
    }

    /// The visited object, damaged, was moved to `quarantine/` as `quarantineKey`.
    mutating func quarantined(as quarantineKey: SpoolKey, because error: SpoolError) -> ReadAction {
        guard let visit else { return .done }
        report.recordQuarantined(
            SweepReport.QuarantinedObject(
                key: visit.key.rawValue,
                from: visit.state.rawValue,
                reason: error.description,
                quarantineKey: quarantineKey.rawValue
            )
        )
        return end()
    }

    /// The visited object, damaged, could not be quarantined: it stays, unread.
    mutating func quarantineFailed(_ error: SpoolError) -> ReadAction {
        noteUnread(error)
        return end()
    }

    // MARK: - Steps

    private mutating func begin(_ key: SpoolKey, _ state: SpoolState, _ step: VisitStep) -> ReadAction {
        visit = Visit(key: key, state: state, step: step)
        return next(step)
    }

    private mutating func next(_ step: VisitStep) -> ReadAction {
        guard let current = visit else { return .done }
        visit?.step = step
        switch step {
        case .dueCheck, .prefixCheck, .count:
            return .readHeader(current.key, current.state)
        case .admit, .learnOrderingKeys:
            return .readObject(current.key, current.state)
        }
    }

    private mutating func end() -> ReadAction {
        visit = nil
        return .done
    }

    private mutating func unreadable(_ error: SpoolError) -> ReadAction {
        guard let visit else { return .done }
        if error.code == .notFound {
            // Removed since it was listed (a write-ahead publisher settled it): nothing to do.
            return end()
        }
        if error.isDamage {
            return .quarantine(visit.key, visit.state, because: error)
        }
        noteUnread(error)
        return end()
    }

    /// Counts an object left unread. One in `pending/` may hold any ordering key: no later event with an ordering
    /// key is sent in this pass (as when `held/` cannot be read), and the report says what is left is unknown.
    private mutating func noteUnread(_ error: SpoolError) {
        guard let visit else { return }
        report.unreadable += 1
        knowsAllOrderingKeys = false
        report.failure = report.failure ?? "cannot read \(visit.state)/\(visit.key): \(error)"
        guard visit.state == .pending else { return }
        pendingObjectUnread = true
        report.remainingIsKnown = false
        if policy.countsRemaining {
            notePending(since: visit.key.time)
        }
    }

    /// Counts a whole object whose next attempt is later; its ordering keys are held back for the rest of the
    /// pass. When they are not known (`nil`: the header does not say) the object is read to learn them.
    private mutating func skipNotDue(eventCount: Int, orderingKeys: Set<String>?) -> ReadAction {
        guard let visit else { return .done }
        guard let orderingKeys else {
            // A later event of one of its keys must not overtake it.
            return next(.learnOrderingKeys(eventCount: eventCount))
        }
        report.notDue += eventCount
        report.remaining += eventCount
        notePending(since: visit.key.time)
        for orderingKey in orderingKeys {
            pendingOrderingKeys.insert(orderingKey)
            gate.closeBehind(orderingKey)
        }
        return end()
    }

    /// Counts an object the pass did not reach because it stopped early.
    private mutating func countLeft(_ header: SpoolObjectHeader) {
        guard let visit else { return }
        if header.nextAttemptAt > clock.now {
            report.notDue += header.eventCount
        } else {
            report.deferred += header.eventCount
        }
        report.remaining += header.eventCount
        notePending(since: visit.key.time)
        if let orderingKeys = header.orderingKeys {
            pendingOrderingKeys.formUnion(orderingKeys)
        } else {
            knowsAllOrderingKeys = false
        }
    }
}
