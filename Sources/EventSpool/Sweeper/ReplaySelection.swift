import EventSpoolModel
import EventSpoolStorage

public import struct Foundation.Date

/// Which spooled events ``Sweeper/replay(_:dryRun:progress:)`` delivers now.
public struct ReplaySelection: Sendable, Hashable {
    enum Scope: Sendable, Hashable {
        /// Events with these ids, and every event of the objects with these keys, in `pending/` or `dead/`.
        case named(ids: Set<String>, keys: Set<SpoolKey>)
        /// Every event in `pending/`.
        case pending
        /// Every event in `dead/`.
        case dead
    }

    let scope: Scope
    /// Only events of this type, when set.
    let type: String?
    /// Only events spooled at or after this time, when set.
    private(set) var spooledSince: Date?
    /// Only events spooled before this time, when set.
    private(set) var spooledBefore: Date?

    private init(_ scope: Scope, type: String?) {
        self.scope = scope
        self.type = type
    }

    /// The same selection, narrowed to the events that entered the spool at or after `since` and before
    /// `until` (`spoolctl replay --since … --until …`).
    public func spooled(since: Date?, until: Date?) -> ReplaySelection {
        var selection = self
        selection.spooledSince = since
        selection.spooledBefore = until
        return selection
    }

    /// Whether the selection looks at each event (a type or a time), not only at where it is.
    var filtersEvents: Bool { type != nil || spooledSince != nil || spooledBefore != nil }

    /// Events named by id or by the key of their object — what `spoolctl replay ID-or-KEY…` gets: a value
    /// in the form of a ``SpoolKey`` names an object, any other an event. Found in `pending/` or `dead/`;
    /// names not found are listed in ``SweepReport/missing``.
    public static func named(_ idsOrKeys: some Sequence<String>, type: String? = nil) -> ReplaySelection {
        var ids = Set<String>()
        var keys = Set<SpoolKey>()
        for value in idsOrKeys {
            if let key = SpoolKey(value) {
                keys.insert(key)
            } else {
                ids.insert(value)
            }
        }
        return ReplaySelection(.named(ids: ids, keys: keys), type: type)
    }

    /// The events with these ids, found in `pending/` or `dead/`.
    public static func events(_ ids: some Sequence<String>, type: String? = nil) -> ReplaySelection {
        ReplaySelection(.named(ids: Set(ids), keys: []), type: type)
    }

    /// Every event of the objects with these keys, found in `pending/` or `dead/`.
    public static func objects(_ keys: some Sequence<SpoolKey>, type: String? = nil) -> ReplaySelection {
        ReplaySelection(.named(ids: [], keys: Set(keys)), type: type)
    }

    /// Every event waiting in `pending/` (`spoolctl replay --all`), or only those of `type`.
    public static func allPending(type: String? = nil) -> ReplaySelection {
        ReplaySelection(.pending, type: type)
    }

    /// Every event in `dead/` (`spoolctl replay --dead`), or only those of `type`.
    public static func dead(type: String? = nil) -> ReplaySelection {
        ReplaySelection(.dead, type: type)
    }

    /// Whether the object `key` in `state` may hold selected events, as far as its key and state tell.
    func mayHold(_ key: SpoolKey, in state: SpoolState) -> Bool {
        switch scope {
        case .named(let ids, let keys): !ids.isEmpty || keys.contains(key)
        case .pending: state == .pending
        case .dead: state == .dead
        }
    }

    /// Whether `spooled`, in the object `key` in `state`, is selected.
    package func selects(_ spooled: SpooledEvent, in key: SpoolKey, state: SpoolState) -> Bool {
        if let type, spooled.event.type != type { return false }
        if let spooledSince, spooled.delivery.spooledAt < spooledSince { return false }
        if let spooledBefore, spooled.delivery.spooledAt >= spooledBefore { return false }
        switch scope {
        case .named(let ids, let keys): return ids.contains(spooled.event.id) || keys.contains(key)
        case .pending: return state == .pending
        case .dead: return state == .dead
        }
    }
}

/// How far a replay has come, for a progress bar.
public struct ReplayProgress: Sendable, Hashable {
    /// Events dealt with so far: delivered, failed again, or held back. They include the earlier pending
    /// events of a selected event's ordering key, which a replay sends first (``SweepReport/orderingPrefix``).
    public internal(set) var done: Int
    /// Selected events in all; grows when a replay meets events of an ordering key's prefix.
    public internal(set) var total: Int
    /// Of ``done``, those delivered.
    public internal(set) var delivered: Int

    package init(done: Int, total: Int, delivered: Int) {
        self.done = done
        self.total = total
        self.delivered = delivered
    }
}
