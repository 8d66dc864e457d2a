import EventSpool
import Foundation

/// One event as `list --json` writes it: one JSON object per line (JSON Lines).
///
/// Fields: `id`, `type`, `source`, `key` (the object holding the event), `state` (`pending`, `dead`,
/// `quarantine`), `attempts`, `createdAt` (when the event entered the spool, ISO 8601 UTC),
/// `nextAttemptAt`, `lastError` (or null), `size` (body bytes); also `time` (the event's own time),
/// `subject`, `orderingKey`, `deadReason` when set. An unreadable object (quarantine) is one row with
/// `id` null, its `size` in bytes and `error` saying why it cannot be read.
struct EventRow: Encodable {
    var id: String?
    var type: String?
    var source: String?
    var key: String
    var state: String
    var attempts: Int?
    var createdAt: String?
    var nextAttemptAt: String?
    var lastError: String?
    var size: Int
    var time: String?
    var subject: String?
    var orderingKey: String?
    var deadReason: String?
    var error: String?

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
        self.nextAttemptAt = TimeText.iso8601(delivery.nextAttemptAt)
        self.lastError = delivery.lastError?.message
        self.size = event.body.count
        self.time = TimeText.iso8601(event.time)
        self.subject = event.subject
        self.orderingKey = event.orderingKey
        self.deadReason = delivery.deadReason
    }

    init(unreadable key: SpoolKey, state: SpoolState, size: Int, error: SpoolError) {
        self.key = key.rawValue
        self.state = state.rawValue
        self.size = size
        self.error = error.message
    }

    enum CodingKeys: String, CodingKey {
        case id, type, source, key, state, attempts, createdAt, nextAttemptAt, lastError, size, time, subject
        case orderingKey, deadReason, error
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // The documented fields are always present (null when unknown); the others only when set.
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(source, forKey: .source)
        try container.encode(key, forKey: .key)
        try container.encode(state, forKey: .state)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(size, forKey: .size)
        try container.encodeIfPresent(time, forKey: .time)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encodeIfPresent(orderingKey, forKey: .orderingKey)
        try container.encodeIfPresent(deadReason, forKey: .deadReason)
        try container.encodeIfPresent(error, forKey: .error)
    }
}
