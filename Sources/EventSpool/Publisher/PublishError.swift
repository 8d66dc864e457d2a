import EventSpoolModel
import EventSpoolStorage

/// An event that is neither delivered nor durably spooled. It carries the whole event, so the caller
/// can still act on it; the publisher has also logged it at error level, body included, as a last resort.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum so that codes can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidEvent
            case notDurable
            case shutDown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The event failed validation; nothing was sent or written.
        public static let invalidEvent = Code(.invalidEvent)
        /// No broker took the event and writing it to the spool failed (disk full, I/O error, limit).
        public static let notDurable = Code(.notDurable)
        /// The publisher was shut down before the event was published.
        public static let shutDown = Code(.shutDown)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public internal(set) var code: Code
    /// The event that is not safe.
    public internal(set) var event: Event
    /// Why the broker did not take the event, when it was tried.
    public internal(set) var deliveryError: AttemptError?
    /// The underlying error: an ``EventValidationError`` or a ``SpoolError``.
    public internal(set) var cause: (any Error)?

    init(code: Code, event: Event, deliveryError: AttemptError? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.event = event
        self.deliveryError = deliveryError
        self.cause = cause
    }

    public var description: String {
        switch code {
        case .invalidEvent:
            return "event \(event.id) not published: \(cause.map { "\($0)" } ?? "invalid")"
        case .shutDown:
            return "event \(event.id) not published: the publisher is shut down"
        default:
            var text = "event \(event.id) is NOT safe: neither delivered nor spooled"
            if let deliveryError { text += "; delivery: \(deliveryError.message)" }
            if let cause { text += "; spool: \(cause)" }
            return text
        }
    }

    /// A short, bounded description fit for a metric label: `publish.<code>`.
    public var shortDescription: String { "publish.\(code)" }
}
