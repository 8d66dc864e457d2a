import EventSpoolModel
import EventSpoolStorage

/// What ``Publisher/publish(_:)`` did with an event. Either way the event is safe.
public enum PublishOutcome: Sendable, Hashable, CustomStringConvertible {
    /// A broker answered 2xx.
    case delivered
    /// The event is on stable storage in the spool, under `key`, for the sweeper to deliver. When the spool's
    /// local last resort took it (its object store refused it), ``SpoolReason/lastResort`` says so.
    case spooled(key: SpoolKey, reason: SpoolReason)

    public var description: String {
        switch self {
        case .delivered: "delivered"
        case .spooled(let key, let reason): "spooled \(key) (\(reason))"
        }
    }
}

/// Why an event went to the spool instead of (or before) a broker.
public struct SpoolReason: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case deliveryFailed(AttemptError)
        case circuitOpen
        case orderingKeyWaiting(String)
    }

    private let base: Base
    /// Set when the spool's local last resort took the event instead of its object store (a ``LastResortSpool``):
    /// both spools' locations, and the store's error or the ordering key that sent it there.
    public internal(set) var lastResort: LastResortDiversion?

    private init(_ base: Base) { self.base = base }

    /// The broker (and the secondary, if any) did not take the event.
    public static func deliveryFailed(_ error: AttemptError) -> SpoolReason { SpoolReason(.deliveryFailed(error)) }
    /// The circuit breaker is open: the broker was not tried.
    public static let circuitOpen = SpoolReason(.circuitOpen)
    /// Earlier events with the same ordering key are waiting in the spool; this one must not overtake them.
    public static func orderingKeyWaiting(_ key: String) -> SpoolReason { SpoolReason(.orderingKeyWaiting(key)) }

    /// The delivery error that led to spooling, when there was one.
    public var deliveryError: AttemptError? {
        if case .deliveryFailed(let error) = base { return error }
        return nil
    }

    public var description: String {
        let why =
            switch base {
            case .deliveryFailed(let error): error.message
            case .circuitOpen: "circuit open: broker not tried"
            case .orderingKeyWaiting(let key): "ordering key \(key) has events waiting in the spool"
            }
        return lastResort.map { "\(why); \($0)" } ?? why
    }
}
