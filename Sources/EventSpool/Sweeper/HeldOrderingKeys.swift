import EventSpoolModel
import EventSpoolStorage
import Logging

/// The ordering keys of the events an operator holds in `held/` (`spoolctl hold`): while one is held, the
/// events of its key published after it must not be sent, or they would overtake it.
///
/// Holding an event also holds the later events of its ordering key in the same object, and releasing one
/// also releases the earlier held events of its key in that object (``SpoolSurgery``), so for every object
/// the held events of a key always come after its pending ones. So the rule is by object: an event of a
/// held key waits when its object's key is later than the earliest held object of that key.
///
/// `spoolctl replay --dry-run` applies the same rule, so that it lists exactly what a replay would send.
package struct HeldOrderingKeys: Sendable {
    /// For each held ordering key, the key of the earliest held object with an event of it.
    private(set) var earliestObject: [String: SpoolKey] = [:]
    /// Why `held/` could not be read completely, if it could not: then no event with an ordering key is sent.
    private(set) var failure: String?

    /// Held ordering keys as given (a pass's tests); ``read(from:logger:)`` learns them from a spool.
    init(earliestObject: [String: SpoolKey] = [:], failure: String? = nil) {
        self.earliestObject = earliestObject
        self.failure = failure
    }

    /// The held ordering keys, whose marks must stay so publishers keep spooling events of those keys.
    var orderingKeys: Set<String> { Set(earliestObject.keys) }

    /// Whether every held object was read, so that ``orderingKeys`` is complete.
    var isComplete: Bool { failure == nil }

    /// Reads the ordering keys of every held object: its header, and the whole object only when the header
    /// says some event has an ordering key.
    package static func read(from spool: any Spool, logger: Logger) async -> HeldOrderingKeys {
        var held = HeldOrderingKeys()
        do {
            for try await entry in spool.list(.held) {
                do throws(SpoolError) {
                    guard try await spool.header(entry.key, in: .held).orderingKeys != [] else { continue }
                    for spooled in try await spool.get(entry.key, in: .held).events {
                        guard let orderingKey = spooled.event.orderingKey else { continue }
                        if held.earliestObject[orderingKey].map({ entry.key < $0 }) ?? true {
                            held.earliestObject[orderingKey] = entry.key
                        }
                    }
                } catch let error where error.code == .notFound {
                    continue  // released or purged since it was listed
                } catch {
                    held.failure = "cannot read held/\(entry.key): \(error)"
                }
            }
        } catch {
            held.failure = "listing held/ failed: \(error)"
        }
        if let failure = held.failure {
            logger.info(
                "cannot learn the held ordering keys; events with an ordering key are held back",
                metadata: ["error": "\(failure)"]
            )
        }
        return held
    }

    /// Whether an event with `orderingKey` in the object `key` must wait behind a held event.
    package func holdsBack(_ orderingKey: String?, in key: SpoolKey) -> Bool {
        guard let orderingKey else { return false }
        guard isComplete else { return true }
        guard let earliest = earliestObject[orderingKey] else { return false }
        return earliest < key
    }
}
