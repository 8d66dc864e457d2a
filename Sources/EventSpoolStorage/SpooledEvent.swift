import EventSpoolModel

/// An event as the spool keeps it: the event itself and its delivery history.
public struct SpooledEvent: Sendable, Hashable {
    /// The event, exactly as it was published.
    public var event: Event
    /// Attempts so far, errors, and when to try next.
    public var delivery: DeliveryRecord

    public init(event: Event, delivery: DeliveryRecord) {
        self.event = event
        self.delivery = delivery
    }
}
