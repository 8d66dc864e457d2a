import EventSpoolModel
import EventSpoolStorage
import Logging

/// The spool writes that end one object's part in a pass, once every event in it has a fate.
///
/// - Important: Given-up events are written to `dead/` (merged with a dead object of the same key, if one
///   is there) before they are removed from `pending/`; when that write fails they stay pending. So an
///   event leaves `pending/` only after a 2xx or once it is in `dead/` — invariant 3.
struct ObjectSettlement: Sendable {
    /// What happens to one event of the object.
    enum Fate: Sendable {
        /// Delivered: it leaves the object.
        case removed
        /// It stays in the object; `changed` when its delivery record was updated (an attempt was made).
        case kept(SpooledEvent, changed: Bool)
        /// Given up: it goes to `dead/`, then leaves the object.
        case dead(SpooledEvent)
    }

    /// What the writes achieved.
    struct Effect: Sendable {
        /// Events now in `dead/`.
        var deadLettered: [SpooledEvent] = []
        /// Given-up events that stay pending because the dead-letter write failed.
        var notDeadLettered = 0
        /// Events left in the object, in order (including given-up ones whose dead-letter write failed).
        var kept: [SpooledEvent] = []
        /// A corrupt dead object of the same key, moved to `quarantine/` to make room.
        var quarantinedDeadObject: SweepReport.QuarantinedObject?
        /// Why a write failed, if one did: the given-up events stayed pending, or the object on disk may
        /// still hold events that were delivered or dead-lettered.
        var writeError: String?
    }

    let key: SpoolKey
    let state: SpoolState
    /// The fate of every event, in the object's order.
    let fates: [Fate]

    /// Whether applying the settlement writes anything.
    var changesObject: Bool {
        fates.contains { fate in
            if case .kept(_, let changed) = fate { return changed }
            return true
        }
    }

    /// Writes the fates of the pass for this object: dead events to `dead/` first, then the object
    /// rewritten with the events that stay (atomically, by `replace`), or deleted when none stays.
    func apply(to spool: any Spool, logger: Logger) async -> Effect {
        var effect = Effect()
        let dead = fates.compactMap { fate -> SpooledEvent? in
            if case .dead(let event) = fate { return event }
            return nil
        }
        if !dead.isEmpty {
            do {
                effect.quarantinedDeadObject = try await writeDead(dead, to: spool, logger: logger)
                effect.deadLettered = dead
            } catch {
                logger.info(
                    "cannot dead-letter; the events stay pending",
                    metadata: ["spool.key": "\(key)", "error": "\(error)"]
                )
                effect.writeError = "cannot write the given-up events of \(key) to dead/: \(error)"
                effect.notDeadLettered = dead.count
            }
        }
        let deadIDs = Set(effect.deadLettered.map(\.event.id))
        for fate in fates {
            switch fate {
            case .removed:
                continue
            case .kept(let event, _):
                effect.kept.append(event)
            case .dead(var event) where !deadIDs.contains(event.event.id):
                // Not in dead/: it stays pending, with its attempts, and is retried next pass.
                event.delivery.deadReason = nil
                effect.kept.append(event)
            case .dead:
                continue
            }
        }
        guard changesObject else { return effect }
        do throws(SpoolError) {
            if effect.kept.isEmpty {
                try await spool.delete(key, in: state)
            } else {
                try await spool.replace(SpoolObject(key: key, state: state, events: effect.kept))
            }
        } catch {
            // Delivered events may be sent again (same id); dead-lettered ones are retried and merged by id.
            logger.info(
                "cannot update the object after delivery; its events may be sent again",
                metadata: ["spool.key": "\(key)", "spool.state": "\(state)", "error": "\(error)"]
            )
            effect.writeError = effect.writeError ?? "cannot update \(key) in \(state)/: \(error)"
        }
        return effect
    }

    /// Writes `events` to the dead object of this key, merging by event id with one already there.
    ///
    /// - Returns: A corrupt dead object of the same key that was quarantined first, if there was one.
    private func writeDead(
        _ events: [SpooledEvent],
        to spool: any Spool,
        logger: Logger
    ) async throws(SpoolError) -> SweepReport.QuarantinedObject? {
        var existing: [SpooledEvent] = []
        var quarantined: SweepReport.QuarantinedObject?
        do {
            existing = try await spool.get(key, in: .dead).events
        } catch let error where error.code == .notFound {
            // The usual case: nothing of this object was given up before.
        } catch let error where error.isDamage {
            // Never overwrite dead events we cannot read: keep them for a person instead.
            let quarantineKey = try await spool.quarantine(key, from: .dead)
            logger.info(
                "corrupt dead object quarantined",
                metadata: ["spool.key": "\(key)", "spool.quarantineKey": "\(quarantineKey)", "error": "\(error)"]
            )
            quarantined = SweepReport.QuarantinedObject(
                key: key.rawValue,
                from: "dead",
                reason: error.description,
                quarantineKey: quarantineKey.rawValue
            )
        }
        let newIDs = Set(events.map(\.event.id))
        let merged = existing.filter { !newIDs.contains($0.event.id) } + events
        try await spool.replace(SpoolObject(key: key, state: .dead, events: merged))
        return quarantined
    }
}
