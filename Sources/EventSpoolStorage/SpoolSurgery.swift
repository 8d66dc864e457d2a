import EventSpoolModel

import struct Foundation.Date

/// An operator's changes to a spool besides delivery — what `postsuper` does to postfix's queue: remove
/// events for good, hold events out of sweeps and release them, requeue dead events.
///
/// Each change writes the events to their new place before it removes them from the old one, so a crash in
/// between leaves a copy in both (the same id, delivered at most once more: at-least-once), never none.
/// Call these while holding the spool's `sweeper.lock`, so that no sweeper rewrites the same objects meanwhile.
///
/// ## Held events and ordering keys
/// A held event still holds its ordering key: a sweep or replay sends no event of that key from a later
/// object, and the key's mark stays, so publishers keep spooling its new events. Holding an event therefore
/// also holds the later events of its ordering key in the same object, and releasing one releases the
/// earlier held events of its key in that object: in every object, the held events of a key always come
/// after its pending ones, and a released event goes back behind them, in publish order.
package struct SpoolSurgery: Sendable {
    /// The spool changed.
    package let spool: any Spool

    package init(spool: any Spool) {
        self.spool = spool
    }

    /// Removes the selected events of `object` for good; the object is rewritten with the others, or deleted.
    ///
    /// - Returns: The events removed, in order.
    package func remove(
        from object: SpoolObject,
        where selected: (SpooledEvent) -> Bool
    ) async throws(SpoolError) -> [SpooledEvent] {
        let removed = object.events.filter(selected)
        guard !removed.isEmpty else { return [] }
        try await rewrite(object, keeping: object.events.filter { !selected($0) })
        return removed
    }

    /// Moves the selected events of a pending object to `held/` under the same key, with the later events of
    /// their ordering keys in the object.
    ///
    /// - Returns: The events now held, in order.
    package func hold(
        from object: SpoolObject,
        where selected: (SpooledEvent) -> Bool
    ) async throws(SpoolError) -> [SpooledEvent] {
        let chosen = Self.expand(object.events.map(selected), of: object.events, towardsLater: true)
        return try await transfer(object, chosen, to: .held, placedBeforeExisting: true)
    }

    /// Moves the selected events of a held object back to `pending/` under the same key, with the earlier held
    /// events of their ordering keys in the object. Their delivery records are kept: each is due when it was.
    ///
    /// - Returns: The events released, in order.
    package func release(
        from object: SpoolObject,
        where selected: (SpooledEvent) -> Bool
    ) async throws(SpoolError) -> [SpooledEvent] {
        let chosen = Self.expand(object.events.map(selected), of: object.events, towardsLater: false)
        return try await transfer(object, chosen, to: .pending, placedBeforeExisting: false)
    }

    /// Gives the selected events of a dead object a fresh start: copies with no attempts, no dead reason and
    /// their time in the spool starting `now` (so `retry.maxAttempts` and `retry.maxAge` count afresh) are
    /// put into `pending/` as a new object — behind everything waiting, as a new publish would be — and due
    /// at once; then they are removed from `dead/`. Their attempt history is kept.
    ///
    /// - Returns: The key of the new pending object (`nil` when nothing was selected) and the events.
    package func requeue(
        from object: SpoolObject,
        where selected: (SpooledEvent) -> Bool,
        now: Date
    ) async throws(SpoolError) -> (key: SpoolKey?, events: [SpooledEvent]) {
        let chosen = object.events.filter(selected)
        guard !chosen.isEmpty else { return (nil, []) }
        let fresh = chosen.map { spooled in
            var spooled = spooled
            spooled.delivery.attempts = 0
            spooled.delivery.deadReason = nil
            spooled.delivery.spooledAt = now
            spooled.delivery.nextAttemptAt = now
            return spooled
        }
        let key = try await spool.put(fresh)
        try await rewrite(object, keeping: object.events.filter { !selected($0) })
        return (key, fresh)
    }

    /// Widens a selection so that the events of one ordering key stay in order across the states: every
    /// later (or earlier) event of a chosen event's ordering key is chosen too.
    static func expand(_ chosen: [Bool], of events: [SpooledEvent], towardsLater: Bool) -> [Bool] {
        var chosen = chosen
        var keys: Set<String> = []
        let indices = towardsLater ? Array(events.indices) : events.indices.reversed()
        for index in indices {
            guard let orderingKey = events[index].event.orderingKey else { continue }
            if keys.contains(orderingKey) {
                chosen[index] = true
            } else if chosen[index] {
                keys.insert(orderingKey)
            }
        }
        return chosen
    }

    /// Moves the chosen events of `object` to `destination` under the same key: the whole object by one
    /// rename when it can, otherwise merged with an object of that key there (by event id), then removed
    /// from `object`.
    private func transfer(
        _ object: SpoolObject,
        _ chosen: [Bool],
        to destination: SpoolState,
        placedBeforeExisting: Bool
    ) async throws(SpoolError) -> [SpooledEvent] {
        let moving = zip(object.events, chosen).filter(\.1).map(\.0)
        guard !moving.isEmpty else { return [] }
        if moving.count == object.events.count {
            do {
                try await spool.move(object.key, from: object.state, to: destination)
                return moving
            } catch let error where error.code == .alreadyExists {
                // An object of this key is there already (part of it was moved before): merge below.
            }
        }
        var existing: [SpooledEvent] = []
        do {
            existing = try await spool.get(object.key, in: destination).events
        } catch let error where error.code == .notFound {
            // The usual case: nothing of this object is there yet.
        }
        let movingIDs = Set(moving.map(\.event.id))
        let others = existing.filter { !movingIDs.contains($0.event.id) }
        let merged = placedBeforeExisting ? moving + others : others + moving
        try await spool.replace(SpoolObject(key: object.key, state: destination, events: merged))
        try await rewrite(object, keeping: zip(object.events, chosen).filter { !$0.1 }.map(\.0))
        return moving
    }

    /// Writes `object` back with only `keeping`, or deletes it when nothing is kept.
    private func rewrite(_ object: SpoolObject, keeping: [SpooledEvent]) async throws(SpoolError) {
        guard keeping.count != object.events.count else { return }
        if keeping.isEmpty {
            do {
                try await spool.delete(object.key, in: object.state)
            } catch let error where error.code == .notFound {
                // Gone meanwhile (a write-ahead publisher settled it): nothing left to remove.
            }
        } else {
            try await spool.replace(SpoolObject(key: object.key, state: object.state, events: keeping))
        }
    }
}
