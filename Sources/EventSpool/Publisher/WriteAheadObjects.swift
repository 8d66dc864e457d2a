import EventSpoolModel
import EventSpoolStorage
import Logging
import Synchronization

/// Settles write-ahead objects once every write-ahead event in them has been sent.
///
/// Group commit may put several events into one object: write-ahead events of several publishes, and
/// also events this publisher spooled plainly (an event whose ordering key has events waiting is never
/// sent) or that another publisher sharing the spool put. A publish announces its write-ahead event
/// before the put (``start(_:)``), so that when the object is read every write-ahead event in it is known,
/// and reports how it ended (``finish(_:in:as:spool:logger:)``). When all of them have ended, the object is
/// deleted (nothing else in it, all delivered) or rewritten once, atomically, with the other events as
/// they were and the undelivered ones with their recorded attempts. Until then the object keeps its
/// lease, so a sweeper does not send the events a second time.
///
/// - Important: A crash before an object is settled leaves delivered events in the spool; the
///   sweeper sends them again after the lease: a duplicate with the same id, never a loss.
final class WriteAheadObjects: Sendable {
    /// The fate of one write-ahead event.
    enum Fate: Sendable, Equatable {
        /// A broker took it: drop it from the object.
        case delivered
        /// Keep it, with this delivery record (attempts made, next attempt time).
        case kept(DeliveryRecord)
    }

    private struct Entry {
        var fates: [String: Fate] = [:]
        /// A publish is settling the object now; others only leave their fate.
        var isSettling = false
        /// A fate arrived while settling; look again before giving up.
        var hasNewFates = false
        /// The write-ahead events in the object, once read: until all have ended, it is not read again.
        var awaited: Set<String>?
    }

    private struct State {
        var entries: [SpoolKey: Entry] = [:]
        /// Write-ahead events being put or sent, by id (a count: the same event may be published twice).
        var inFlight: [String: Int] = [:]
    }

    /// Where settling an object stands.
    private enum Progress {
        /// Deleted, rewritten, or left to the sweeper: forget the object.
        case settled
        /// Some of its write-ahead events are still being sent.
        case waiting(for: Set<String>)
    }

    private let state = Mutex(State())

    /// Notes that write-ahead event `id` is about to be put: whichever object it lands in waits for its fate.
    /// Every call is followed by one ``finish(_:in:as:spool:logger:)`` or ``abandon(_:)``.
    func start(_ id: String) {
        state.withLock { $0.inFlight[id, default: 0] += 1 }
    }

    /// The put of write-ahead event `id` failed: it is in no object.
    func abandon(_ id: String) {
        state.withLock { Self.leave(id, &$0) }
    }

    /// Records how event `id` in object `key` ended, and settles the object if it was the last one.
    func finish(_ id: String, in key: SpoolKey, as fate: Fate, spool: any Spool, logger: Logger) async {
        let settles = state.withLock { state -> Bool in
            Self.leave(id, &state)
            state.entries[key, default: Entry()].fates[id] = fate
            if state.entries[key]!.isSettling {
                state.entries[key]!.hasNewFates = true
                return false
            }
            state.entries[key]!.isSettling = true
            return true
        }
        guard settles else { return }

        while true {
            let (fates, awaited) = state.withLock { ($0.entries[key]?.fates ?? [:], $0.entries[key]?.awaited) }
            let progress = await settle(key, fates: fates, awaited: awaited, spool: spool, logger: logger)
            let again = state.withLock { state -> Bool in
                guard case .waiting(let awaited) = progress else {
                    state.entries[key] = nil
                    return false
                }
                state.entries[key]!.awaited = awaited
                guard state.entries[key]!.hasNewFates else {
                    state.entries[key]!.isSettling = false
                    return false
                }
                state.entries[key]!.hasNewFates = false
                return true
            }
            guard again else { return }
        }
    }

    /// How many objects wait for fates (for tests: settled objects leave nothing behind).
    var unsettledObjects: Int {
        state.withLock { $0.entries.count }
    }

    private static func leave(_ id: String, _ state: inout State) {
        guard let count = state.inFlight[id] else { return }
        state.inFlight[id] = count > 1 ? count - 1 : nil
    }

    /// Applies `fates` to the object when every write-ahead event in it has one. The object is read only
    /// when it may be complete: once to learn which of its events are write-ahead ones, then when all of
    /// those have ended.
    private func settle(
        _ key: SpoolKey,
        fates: [String: Fate],
        awaited: Set<String>?,
        spool: any Spool,
        logger: Logger
    ) async -> Progress {
        if let awaited, !awaited.allSatisfy({ fates[$0] != nil }) {
            return .waiting(for: awaited)
        }
        let object: SpoolObject
        do {
            object = try await spool.get(key, in: .pending)
        } catch {
            logger.info(
                "write-ahead object not settled; the sweeper will deliver it",
                metadata: ["spool.key": "\(key)", "error": "\(error)"]
            )
            return .settled
        }
        // Every write-ahead event of this object was announced before the object was written, so the events
        // that have no fate and are not in flight are not write-ahead ones: they stay as they are. (Fates
        // read again, with what is in flight: an event may have ended since `fates` was taken.)
        let (writeAhead, fates) = state.withLock { state in
            let fates = state.entries[key]?.fates ?? fates
            let ids = object.events.map(\.event.id).filter { fates[$0] != nil || state.inFlight[$0] != nil }
            return (Set(ids), fates)
        }
        guard writeAhead.allSatisfy({ fates[$0] != nil }) else {
            return .waiting(for: writeAhead)
        }

        var remaining = [SpooledEvent]()
        for var spooled in object.events {
            switch fates[spooled.event.id] {
            case .delivered:
                continue
            case .kept(let record):
                spooled.delivery = record
            case nil:
                break
            }
            remaining.append(spooled)
        }
        do {
            if remaining.isEmpty {
                try await spool.delete(key, in: .pending)
            } else {
                try await spool.replace(SpoolObject(key: key, state: .pending, events: remaining))
            }
        } catch {
            // The object still holds every event, each safe; delivered ones may be sent again.
            logger.info("write-ahead object not settled", metadata: ["spool.key": "\(key)", "error": "\(error)"])
        }
        return .settled
    }
}
