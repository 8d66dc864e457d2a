public import struct Foundation.Date

/// One event to publish: a CloudEvents 1.0 event with a body of bytes.
///
/// The ``id`` never changes across attempts, so consumers can use it to drop duplicates.
/// Construct an event, then hand it to ``Publisher/publish(_:deadline:logger:)``; the publisher
/// validates it (see ``Event/validate(maxBodyBytes:)``) before anything is sent or written.
public struct Event: Sendable, Hashable {
    /// The event's identity, stable across every attempt (`ce-id`, `webhook-id`).
    /// A time-ordered UUIDv7 unless the caller gives one.
    public var id: String
    /// The kind of event, for example `com.example.order.created` (`ce-type`).
    public var type: String
    /// The context in which the event happened, a URI reference (`ce-source`).
    public var source: String
    /// When the event happened (`ce-time`).
    public var time: Date
    /// The subject of the event within its source (`ce-subject`).
    public var subject: String?
    /// Events with the same ordering key are delivered in publish order.
    public var orderingKey: String?
    /// The media type of ``body`` (`Content-Type`, CloudEvents `datacontenttype`).
    public var contentType: String
    /// The event payload, sent as the HTTP body.
    public var body: [UInt8]
    /// CloudEvents extension attributes, sent as `ce-<name>` headers.
    public var extensions: [String: String]
    /// A W3C Trace Context `traceparent`, sent on every attempt.
    public var traceparent: String?
    /// A W3C Trace Context `tracestate`, sent with ``traceparent``.
    public var tracestate: String?

    /// Creates an event.
    ///
    /// - Parameters:
    ///   - id: The event id; a new UUIDv7 when `nil`.
    ///   - type: The event type (`ce-type`).
    ///   - source: The event source (`ce-source`).
    ///   - time: When the event happened; now by default.
    ///   - subject: The optional subject (`ce-subject`).
    ///   - orderingKey: Events sharing this key are delivered in order.
    ///   - contentType: The media type of `body`.
    ///   - body: The payload bytes.
    ///   - extensions: CloudEvents extension attributes.
    ///   - traceparent: A W3C `traceparent` to propagate.
    ///   - tracestate: A W3C `tracestate` to propagate with `traceparent`.
    public init(
        id: String? = nil,
        type: String,
        source: String,
        time: Date = Date(),
        subject: String? = nil,
        orderingKey: String? = nil,
        contentType: String = "application/json",
        body: some Sequence<UInt8>,
        extensions: [String: String] = [:],
        traceparent: String? = nil,
        tracestate: String? = nil
    ) {
        self.id = id ?? EventID.make()
        self.type = type
        self.source = source
        self.time = time
        self.subject = subject
        self.orderingKey = orderingKey
        self.contentType = contentType
        self.body = Array(body)
        self.extensions = extensions
        self.traceparent = traceparent
        self.tracestate = tracestate
    }

    /// Creates an event whose body is the UTF-8 encoding of `text`.
    public init(
        id: String? = nil,
        type: String,
        source: String,
        time: Date = Date(),
        subject: String? = nil,
        orderingKey: String? = nil,
        contentType: String = "application/json",
        text: String,
        extensions: [String: String] = [:],
        traceparent: String? = nil,
        tracestate: String? = nil
    ) {
        self.init(
            id: id,
            type: type,
            source: source,
            time: time,
            subject: subject,
            orderingKey: orderingKey,
            contentType: contentType,
            body: Array(text.utf8),
            extensions: extensions,
            traceparent: traceparent,
            tracestate: tracestate
        )
    }
}
