import EventSpool
import Foundation

/// One event as `list --json` writes it: one JSON object per line (JSON Lines).
///
/// Every field is always present, `null` when it has no value (the one rule for absent values in all of
/// spoolctl's JSON): `id`, `type`, `source`, `key` (the object holding the event), `state` (`pending`,
/// `held`, `dead`, `quarantine`), `attempts`, `createdAt` (when the event entered the spool, ISO 8601 UTC),
/// `nextAttemptAt` (`null` for a dead event: it has none), `lastError`, `deadReason`, `size` (body bytes),
/// `time` (the event's own time), `subject`, `orderingKey`, and `readError`. An unreadable object (quarantine)
/// is one row with `id` null, its `size` in bytes and `readError` saying why it cannot be read.
struct EventRow: JSONFields {
    var id: String?
    var type: String?
    var source: String?
    var key: String
    var state: String
    var attempts: Int?
    var createdAt: String?
    var nextAttemptAt: String?
    var lastError: String?
    var deadReason: String?
    var size: Int
    var time: String?
    var subject: String?
    var orderingKey: String?
    var readError: String?

    init(_ spooled: SpooledEvent, key: SpoolKey, state: SpoolState) {
        let event = spooled.event
        let delivery = spooled.delivery
        self.id = event.id
        self.type = event.type
        self.source = event.source
        self.key = key.rawValue
        self.state = state.rawValue
        self.attempts = delivery.attempts
        self.createdAt = TimeText.iso8601(delivery.spooledAt)
        // A dead event is never attempted again: it has no next attempt (replay or requeue it).
        self.nextAttemptAt = state == .dead ? nil : TimeText.iso8601(delivery.nextAttemptAt)
        self.lastError = delivery.lastError?.message
        self.deadReason = delivery.deadReason
        self.size = event.body.count
        self.time = TimeText.iso8601(event.time)
        self.subject = event.subject
        self.orderingKey = event.orderingKey
    }

    init(unreadable key: SpoolKey, state: SpoolState, size: Int, error: SpoolError) {
        self.key = key.rawValue
        self.state = state.rawValue
        self.size = size
        self.readError = error.message
    }

    /// What went wrong, once: the dead reason and the last error, or only the reason when it quotes the error
    /// already (as reasons written before version 1.1 did: `permanent failure: HTTP 400: …`).
    var problem: String? {
        switch (deadReason, lastError) {
        case (let reason?, let error?) where reason.contains(error): reason
        case (let reason?, let error?): "\(reason); \(error)"
        case (let reason?, nil): reason
        case (nil, let error): error
        }
    }

    var jsonFields: [(String, (any Encodable)?)] {
        [
            ("id", id), ("type", type), ("source", source), ("key", key), ("state", state), ("attempts", attempts),
            ("createdAt", createdAt), ("nextAttemptAt", nextAttemptAt), ("lastError", lastError),
            ("deadReason", deadReason), ("size", size), ("time", time), ("subject", subject),
            ("orderingKey", orderingKey), ("readError", readError),
        ]
    }
}
