import EventSpoolStorage

/// Keeps the events of one ordering key in publish order within a pass.
///
/// At most one event per ordering key is in flight; later ones of the key wait for it in order. Once an
/// event of a key fails, or is not due yet, the key is blocked for the rest of the pass: its later events
/// are held back (they must not overtake it), while other keys go on. Events without an ordering key
/// pass freely.
struct OrderingGate<Ticket> {
    /// What to do with an event that arrives at the gate.
    enum Admission {
        /// Send it now.
        case go
        /// An earlier event of its key is in flight: the gate keeps the ticket until that one is done.
        case wait
        /// Its key is blocked in this pass: leave the event as it is.
        case hold
    }

    /// Keys with one event in flight, and the tickets waiting behind it, in order.
    private var inFlight: [String: [Ticket]] = [:]
    /// Keys held back for the rest of the pass.
    private var blocked: Set<String> = []

    /// Admits the event of `ticket`, whose ordering key is `key`.
    mutating func admit(_ ticket: Ticket, key: String?) -> Admission {
        guard let key else { return .go }
        if blocked.contains(key) { return .hold }
        if inFlight[key] != nil {
            inFlight[key, default: []].append(ticket)
            return .wait
        }
        inFlight[key] = []
        return .go
    }

    /// The event in flight for `key` is done for good (delivered or given up): returns the next waiting
    /// ticket of the key, which may go now, if there is one.
    mutating func advance(_ key: String?) -> Ticket? {
        guard let key, var waiting = inFlight[key] else { return nil }
        guard !waiting.isEmpty else {
            inFlight[key] = nil
            return nil
        }
        let next = waiting.removeFirst()
        inFlight[key] = waiting
        return next
    }

    /// An event of `key` failed: blocks the key for the rest of the pass and returns the tickets that were
    /// waiting behind it, now held back.
    mutating func block(_ key: String?) -> [Ticket] {
        guard let key else { return [] }
        blocked.insert(key)
        return inFlight.removeValue(forKey: key) ?? []
    }

    /// An event of `key` stays as it is (not due, or the pass stopped): events of the key admitted from
    /// now on are held back; those already waiting are earlier than it and may still go.
    mutating func closeBehind(_ key: String?) {
        guard let key else { return }
        blocked.insert(key)
    }
}
