import Logging
import Synchronization

/// Settles write-ahead objects once every event in them has been sent.
///
/// Group commit may put several write-ahead events into one object. Each publish reports how its
/// event ended; when all events of an object have ended, the object is deleted (all delivered) or
/// rewritten once with the undelivered events and their recorded attempts. Until then the object
/// keeps its lease, so a sweeper does not send the events a second time.
///
/// - Important: A crash before an object is settled leaves delivered events in the spool; the
///   sweeper sends them again after the lease: a duplicate with the same id, never a loss.
final class WriteAheadObjects: Sendable {
    /// How one write-ahead event ended.
    enum Ending: Sendable, Equatable {
        /// A broker took it: drop it from the object.
        case delivered
        /// Keep it, with this delivery record (attempts made, next attempt time).
        case kept(DeliveryRecord)
    }

    private struct Entry {
        var endings: [String: Ending] = [:]
        /// A publish is settling the object now; others only leave their ending.
        var isSettling = false
        /// An ending arrived while settling; look again before giving up.
        var hasNewEndings = false
        /// How many events the object holds, once read: until as many have ended, it is not read again.
        var eventCount: Int?
    }

    /// Where settling an object stands.
    private enum Progress {
        /// Deleted, rewritten, or left to the sweeper: forget the object.
        case settled
        /// Some of its events are still being sent.
        case waiting(eventCount: Int)
    }

    private let entries = Mutex<[SpoolKey: Entry]>([:])

    /// Records how event `id` in object `key` ended, and settles the object if it was the last one.
    func finish(_ id: String, in key: SpoolKey, as ending: Ending, spool: any Spool, logger: Logger) async {
        let settles = entries.withLock { entries -> Bool in
            entries[key, default: Entry()].endings[id] = ending
            if entries[key]!.isSettling {
                entries[key]!.hasNewEndings = true
                return false
            }
            entries[key]!.isSettling = true
            return true
        }
        guard settles else { return }

        while true {
            let (endings, eventCount) = entries.withLock { ($0[key]?.endings ?? [:], $0[key]?.eventCount) }
            let progress = await settle(key, endings: endings, eventCount: eventCount, spool: spool, logger: logger)
            let again = entries.withLock { entries -> Bool in
                guard case .waiting(let eventCount) = progress else {
                    entries[key] = nil
                    return false
                }
                entries[key]!.eventCount = eventCount
                guard entries[key]!.hasNewEndings else {
                    entries[key]!.isSettling = false
                    return false
                }
                entries[key]!.hasNewEndings = false
                return true
            }
            guard again else { return }
        }
    }

    /// Applies `endings` to the object when every event in it has one. The object is read only when it may be
    /// complete: once to learn its size, then when that many events have ended.
    private func settle(
        _ key: SpoolKey,
        endings: [String: Ending],
        eventCount: Int?,
        spool: any Spool,
        logger: Logger
    ) async -> Progress {
        if let eventCount, endings.count < eventCount {
            return .waiting(eventCount: eventCount)
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
        guard object.events.allSatisfy({ endings[$0.event.id] != nil }) else {
            return .waiting(eventCount: object.events.count)
        }

        var remaining = [SpooledEvent]()
        for var spooled in object.events {
            guard case .kept(let record) = endings[spooled.event.id] else { continue }
            spooled.delivery = record
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
