import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook
import Logging

/// One broker as the publisher and the sweeper use it: its webhook client, and the policy that judges its
/// answers.
///
/// The client says what the broker answered; ``DeliveryClassification`` decides what that means (delivered,
/// retry later, permanent, endpoint gone). Each attempt is logged here, at debug level, with its class.
package struct Broker: Sendable {
    /// The webhook client.
    package let client: BrokerClient
    /// How the client's answers are classified.
    package let classification: DeliveryClassification
    /// The wall clock `Retry-After` dates are measured against.
    package let clock: any WallClock
    package let logger: Logger

    /// Creates the broker's client; no connection is made until the first delivery.
    ///
    /// - Throws: ``BrokerClientError`` when the configuration is unusable.
    package init(
        configuration: BrokerConfiguration,
        classification: DeliveryClassification = DeliveryClassification(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(BrokerClientError) {
        self.client = try BrokerClient(configuration: configuration, clock: clock, logger: logger)
        self.classification = classification
        self.clock = clock
        self.logger = logger
    }

    /// The broker's URL, without any credentials it was configured with.
    package var url: String { client.url }

    /// Sends one event and classifies the answer. Never throws: every failure is a result.
    package func deliver(_ event: Event) async -> DeliveryResult {
        await deliver(event, validating: true)
    }

    /// ``deliver(_:)``, without validating the event again when the caller has just done so.
    func deliver(_ event: Event, validating: Bool) async -> DeliveryResult {
        let answer = await client.deliver(event, validating: validating)
        let result = classification.result(for: answer, now: clock.now)
        logger.debug(
            "delivery attempt",
            metadata: [
                "event.id": "\(event.id)",
                "broker.url": "\(url)",
                "delivery.outcome": "\(result.outcome)",
                "http.status": "\(result.status.map(String.init) ?? "none")",
                "delivery.error": "\(result.error?.message ?? "none")",
            ]
        )
        return result
    }

    /// The client's transfer thread as a task executor (see ``BrokerClient/executor``).
    package var executor: any TaskExecutor { client.executor }

    /// Shuts the client down (see ``BrokerClient/shutdown(gracePeriod:)``).
    package func shutdown(gracePeriod: Duration? = nil) async {
        await client.shutdown(gracePeriod: gracePeriod)
    }
}
