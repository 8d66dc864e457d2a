/// Which spooled events ``Sweeper/replay(_:dryRun:progress:)`` delivers now.
public struct ReplaySelection: Sendable, Hashable {
    enum Base: Sendable, Hashable {
        /// Events with these ids, wherever they are (`pending/` or `dead/`).
        case events(Set<String>)
        /// Every event of the objects with these keys, in `pending/` or `dead/`.
        case objects([SpoolKey])
        /// Every event in `pending/`, optionally only of one type.
        case pending(type: String?)
        /// Every event in `dead/`, optionally only of one type.
        case dead(type: String?)
    }

    let base: Base
    private init(_ base: Base) { self.base = base }

    /// The events with these ids, found in `pending/` or `dead/`. Ids not found are named in
    /// ``SweepReport/missing``.
    public static func events(_ ids: some Sequence<String>) -> ReplaySelection {
        ReplaySelection(.events(Set(ids)))
    }

    /// Every event of the objects with these keys, found in `pending/` or `dead/`. Keys not found are
    /// named in ``SweepReport/missing``.
    public static func objects(_ keys: some Sequence<SpoolKey>) -> ReplaySelection {
        ReplaySelection(.objects(Array(Set(keys)).sorted()))
    }

    /// Every event waiting in `pending/` (`spoolctl replay --all`), or only those of `type`.
    public static func allPending(type: String? = nil) -> ReplaySelection {
        ReplaySelection(.pending(type: type))
    }

    /// Every event in `dead/` (`spoolctl replay --dead`), or only those of `type`.
    public static func dead(type: String? = nil) -> ReplaySelection {
        ReplaySelection(.dead(type: type))
    }

    /// Whether `event` is selected, given the object it is in.
    func selects(_ event: Event) -> Bool {
        switch base {
        case .events(let ids): ids.contains(event.id)
        case .objects: true
        case .pending(let type), .dead(let type): type.map { $0 == event.type } ?? true
        }
    }
}

/// How far a replay has come, for a progress bar.
public struct ReplayProgress: Sendable, Hashable {
    /// Selected events dealt with so far: delivered, failed again, or held back.
    public var done: Int
    /// Selected events in all.
    public var total: Int
    /// Of ``done``, those delivered.
    public var delivered: Int

    public init(done: Int, total: Int, delivered: Int) {
        self.done = done
        self.total = total
        self.delivered = delivered
    }
}
