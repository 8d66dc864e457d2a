public import Logging

/// Delivers events to one broker over HTTP (libcurl), reusing keep-alive connections.
///
/// Placeholder with the final signatures; the implementation lands with the delivery work.
public final class BrokerClient: Sendable {
    /// The broker's URL.
    public let url: String

    /// Creates a client; no connection is made until the first delivery.
    ///
    /// - Throws: ``BrokerClientError`` when the configuration is unusable (bad URL, libcurl setup).
    public init(
        configuration: BrokerConfiguration,
        classification: DeliveryClassification = DeliveryClassification(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(BrokerClientError) {
        self.url = configuration.url
    }

    /// Sends one event and classifies the answer. Never throws: every failure is a result.
    ///
    /// Runs no blocking call on the caller's thread: the transfer happens on libcurl's own thread.
    public func deliver(_ event: Event) async -> DeliveryResult {
        preconditionFailure("BrokerClient.deliver is not implemented yet")
    }

    /// Finishes in-flight transfers, closes connections and stops the transfer thread.
    public func shutdown() async {}
}

/// A broker configuration that cannot be used.
public struct BrokerClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL concerned.
    public var url: String
    /// What is wrong.
    public var message: String

    public init(url: String, message: String) {
        self.url = url
        self.message = message
    }

    public var description: String { "broker \(url): \(message)" }
}
