import EventSpoolModel
import EventSpoolStorage

/// What a replay learns before it sends anything: how many events it selected and, for each ordering key of a
/// selected event, where the last selected event of that key is.
///
/// A replay must not let an event overtake the earlier events of its ordering key still waiting in `pending/`
/// (`docs/sweeper.md`, "Replay"): it sends them first, in order — the key's prefix — and the selected event
/// goes only once they are delivered. Events of a key after its last selected event stay as they are, and so
/// do events in `dead/` that were not selected: a dead event holds nothing back.
package struct ReplayPlan: Sendable {
    /// Where an event is, in the order a replay visits events: key order, `pending/` before `dead/` for one
    /// key, then the event's place in its object.
    package struct Position: Sendable, Comparable {
        package var key: SpoolKey
        package var state: SpoolState
        package var index: Int

        package init(key: SpoolKey, state: SpoolState, index: Int) {
            self.key = key
            self.state = state
            self.index = index
        }

        package static func < (lhs: Position, rhs: Position) -> Bool {
            if lhs.key != rhs.key { return lhs.key < rhs.key }
            if lhs.state != rhs.state { return lhs.state == .pending }
            return lhs.index < rhs.index
        }
    }

    package let selection: ReplaySelection
    /// The events selected, for progress.
    var total = 0
    /// Per ordering key of a selected event, the position of the last selected event of that key.
    private(set) var lastSelected: [String: Position] = [:]
    /// The greatest object key in ``lastSelected``: no later pending object can hold an event of a prefix.
    private(set) var lastPrefixKey: SpoolKey?

    package init(_ selection: ReplaySelection) {
        self.selection = selection
    }

    /// Whether a replay may have to send earlier pending events of some key before a selected one.
    package var hasPrefixes: Bool { !lastSelected.isEmpty }

    /// Notes the selected events of `object` (read while planning).
    package mutating func noteSelected(in object: SpoolObject) {
        for (index, spooled) in object.events.enumerated()
        where selection.selects(spooled, in: object.key, state: object.state) {
            total += 1
            guard let orderingKey = spooled.event.orderingKey else { continue }
            let position = Position(key: object.key, state: object.state, index: index)
            if lastSelected[orderingKey].map({ $0 < position }) ?? true {
                lastSelected[orderingKey] = position
            }
            if lastPrefixKey.map({ $0 < object.key }) ?? true {
                lastPrefixKey = object.key
            }
        }
    }

    /// Whether `event`, not selected itself, is in its key's prefix: pending, and earlier than the last selected
    /// event of its ordering key. It is sent before that one.
    package func isPrefix(_ event: Event, at position: Position) -> Bool {
        guard position.state == .pending, let orderingKey = event.orderingKey,
            let last = lastSelected[orderingKey]
        else { return false }
        return position < last
    }

    /// Whether the object `key` in `state` may hold an event of some key's prefix.
    func mayHoldPrefix(_ key: SpoolKey, in state: SpoolState) -> Bool {
        guard state == .pending, let lastPrefixKey else { return false }
        return key <= lastPrefixKey
    }
}
