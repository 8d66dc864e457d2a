import EventSpoolModel

public import struct Foundation.Date

/// One object in a spool: a key and the events written together under it, in publish order.
///
/// Group commit may put several events into one object; the sweeper rewrites the object with the
/// remaining events when only some of them were delivered.
public struct SpoolObject: Sendable, Hashable {
    /// The object's key; stays the same when the object is rewritten.
    public var key: SpoolKey
    /// Where the object is.
    public var state: SpoolState
    /// The events in the object, in publish order. Never empty.
    public var events: [SpooledEvent]

    public init(key: SpoolKey, state: SpoolState, events: [SpooledEvent]) {
        self.key = key
        self.state = state
        self.events = events
    }

    /// The earliest time any event in the object may be attempted again.
    public var nextAttemptAt: Date {
        events.map(\.delivery.nextAttemptAt).min() ?? .distantPast
    }
}

/// One object as a listing sees it, without reading its events.
public struct SpoolEntry: Sendable, Hashable {
    /// The object's key.
    public var key: SpoolKey
    /// Where the object is.
    public var state: SpoolState
    /// The object's path relative to the spool directory, for messages.
    public var path: String

    public init(key: SpoolKey, state: SpoolState, path: String) {
        self.key = key
        self.state = state
        self.path = path
    }
}

/// What the fixed-size header of an object says, read without reading the events.
public struct SpoolObjectHeader: Sendable, Hashable {
    /// The format version of the object.
    public var version: Int
    /// How many events the object holds.
    public var eventCount: Int
    /// The earliest time any event in the object may be attempted again.
    public var nextAttemptAt: Date
    /// The object's size in bytes.
    public var size: Int
    /// The distinct ordering keys of the object's events, when the header records them; `nil` when it
    /// does not, and a reader that needs them must read the object. The sweeper holds these keys back
    /// while the object is not due, so that later events of the same keys cannot overtake it.
    public var orderingKeys: Set<String>?

    public init(version: Int, eventCount: Int, nextAttemptAt: Date, size: Int, orderingKeys: Set<String>? = nil) {
        self.version = version
        self.eventCount = eventCount
        self.nextAttemptAt = nextAttemptAt
        self.size = size
        self.orderingKeys = orderingKeys
    }
}
