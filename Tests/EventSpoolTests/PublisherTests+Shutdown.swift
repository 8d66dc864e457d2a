import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool

/// Shutting a publisher down while its publishes wait on the broker.
extension PublisherTests {
    @Test(.serialized, arguments: SpoolKind.all)
    func shutdownSpoolsPublishesStillWaitingOnTheBroker(kind: SpoolKind) async throws {
        try await withTestBroker { broker in
            try await withPublisherSpool(kind) { spool, context in
                broker.setDefaultBehavior(.hang)
                let publisher = try Publisher(
                    configuration: .init(
                        broker: BrokerConfiguration(url: broker.url, timeout: .seconds(60)),
                        spool: spool.configuration,
                        shutdownTimeout: .milliseconds(100)
                    ),
                    spool: spool,
                    logger: quietLogger
                )
                let sent = (0..<4).map { event($0) }
                let publishes = Task {
                    try await withThrowingTaskGroup(of: PublishOutcome.self) { group in
                        for event in sent {
                            group.addTask { try await publisher.publish(event) }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
                _ = try await broker.waitForRequests(count: 4)
                await publisher.shutdown()
                let outcomes = try await publishes.value

                #expect(outcomes.allSatisfy { $0.spoolReason != nil })
                let stored = try await spool.allEvents(in: .pending).map(\.event.id)
                #expect(Set(stored) == Set(sent.map(\.id)))
                await #expect(throws: PublishError.self) { try await publisher.publish(event(9)) }
            }
        }
    }
}
