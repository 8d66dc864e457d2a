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

    private init(_ scope: Scope, type: String?) {
        self.scope = scope
        self.type = type
    }

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

    /// Whether `event`, in the object `key` in `state`, is selected.
    func selects(_ event: Event, in key: SpoolKey, state: SpoolState) -> Bool {
        if let type, event.type != type { return false }
        switch scope {
        case .named(let ids, let keys): return ids.contains(event.id) || keys.contains(key)
        case .pending: return state == .pending
        case .dead: return state == .dead
        }
    }
}

/// How far a replay has come, for a progress bar.
public struct ReplayProgress: Sendable, Hashable {
    /// Events dealt with so far: delivered, failed again, or held back. They include the earlier pending
    /// events of a selected event's ordering key, which a replay sends first (``SweepReport/orderingPrefix``).
    public var done: Int
    /// Selected events in all; grows when a replay meets events of an ordering key's prefix.
    public var total: Int
    /// Of ``done``, those delivered.
    public var delivered: Int

    public init(done: Int, total: Int, delivered: Int) {
        self.done = done
        self.total = total
        self.delivered = delivered
    }
}
