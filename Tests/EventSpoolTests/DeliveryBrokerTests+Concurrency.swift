import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolWebhook

/// Many deliveries at once, cancellation and shutdown; secrets in what the client logs and reports.
extension DeliveryBrokerTests {
    // MARK: - Concurrency, cancellation, shutdown

    @Test func hangingDeliveriesDoNotBlockOtherTasks() async throws {
        try await withTestBroker { broker in
            broker.setDefaultBehavior(.hang)
            try await withClient(broker, timeout: .seconds(60), maxConnections: 32) { client in
                try await withThrowingTaskGroup(of: DeliveryResult?.self) { group in
                    for index in 0..<32 {
                        group.addTask { await client.deliver(event("\(index)")) }
                    }
                    // All 32 are on the wire, each waiting for an answer that never comes…
                    _ = try await broker.waitForRequests(count: 32)
                    // …and unrelated work on the cooperative pool still runs to completion, several
                    // times over (the pool has as many threads as cores, far fewer than 32).
                    for round in 0..<100 {
                        let value = await Task.detached { (0..<1000).reduce(round, +) }.value
                        #expect(value == round + 499_500)
                    }
                    // Cancelling the group removes every transfer and returns a retryable result.
                    group.cancelAll()
                    var results: [DeliveryResult] = []
                    for try await result in group {
                        if let result { results.append(result) }
                    }
                    #expect(results.count == 32)
                    for result in results {
                        #expect(result.outcome == .retryable(retryAfter: nil))
                        #expect(result.error?.message == "cancelled before the broker answered: \(broker.url)")
                    }
                }
            }
        }
    }

    @Test func aDeliveryInAnAlreadyCancelledTaskIsNotSent() async throws {
        try await withTestBroker { broker in
            try await withClient(broker) { client in
                let task = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return await client.deliver(event())
                }
                let result = await task.value
                #expect(result.outcome == .retryable(retryAfter: nil))
                #expect(result.error?.message == "cancelled before the broker answered: \(broker.url)")
                // The client still works, and nothing was sent for the cancelled delivery.
                #expect(await client.deliver(event()).isDelivered)
                #expect(broker.requestCount == 1)
            }
        }
    }

    @Test func shutdownWaitsForInFlightTransfersAndRefusesNewOnes() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.delay(.milliseconds(200), then: .status(200)))
            let client = try Broker(
                configuration: BrokerConfiguration(url: broker.url),
                logger: quietLogger
            )
            let inFlight = Task { await client.deliver(event()) }
            _ = try await broker.waitForRequests(count: 1)
            await client.shutdown()
            #expect(await inFlight.value.isDelivered)
            let late = await client.deliver(event())
            #expect(late.outcome == .retryable(retryAfter: nil))
            #expect(late.error?.message == "broker client shut down before the broker answered: \(broker.url)")
            await client.shutdown()  // a second shutdown returns at once
            #expect(broker.requestCount == 1)
        }
    }

    @Test func shutdownAbortsTransfersThatOutliveTheTimeout() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.hang)
            let client = try Broker(
                configuration: BrokerConfiguration(url: broker.url, timeout: .milliseconds(300)),
                logger: quietLogger
            )
            let inFlight = Task { await client.deliver(event()) }
            _ = try await broker.waitForRequests(count: 1)
            await client.shutdown()
            let result = await inFlight.value
            #expect(result.outcome == .retryable(retryAfter: nil))
            #expect(result.error?.message == "timed out after 300ms waiting for \(broker.url)")
        }
    }

    @Test func aTaskPinnedToTheClientExecutorDeliversAndOutlivesTheClient() async throws {
        try await withTestBroker { broker in
            let client = try Broker(
                configuration: BrokerConfiguration(url: broker.url),
                logger: quietLogger
            )
            let results = await withTaskExecutorPreference(client.executor) {
                var results: [DeliveryResult] = []
                for index in 0..<20 {
                    results.append(await client.deliver(event("\(index)")))
                }
                await client.shutdown()
                // The transfer thread is gone; this task goes on, on the global executor.
                results.append(await client.deliver(event()))
                return results
            }
            #expect(results.count == 21)
            #expect(results.prefix(20).allSatisfy { $0.isDelivered })
            #expect(results.last?.error?.message == "broker client shut down before the broker answered: \(broker.url)")
            #expect(broker.requestCount == 20)
            #expect(broker.acceptedConnections == 1)
        }
    }

    // MARK: - Secrets

    @Test func secretsNeverReachMessagesOrLogs() async throws {
        try await withTestBroker { broker in
            let token = "Bearer tok-3f9a2c71e5d84b06"
            // A broker that echoes the request's credentials in its error body.
            broker.enqueue(.status(401, body: "invalid token tok-3f9a2c71e5d84b06 for user ops-user"))
            let logs = InMemoryLogHandler()
            let logger = WireTestSupport.capturingLogger(logs)
            let url = broker.url.replacingOccurrences(of: "http://", with: "http://ops-user:hunter2-pw@")
            let result = try await withClient(broker, url: url, headers: ["Authorization": token], logger: logger) {
                client in
                #expect(client.url == broker.url)
                return await client.deliver(event())
            }
            let request = try #require(try await broker.waitForRequests(count: 1).first)
            #expect(request.header("authorization") == token)
            #expect(request.header("authorization-basic") == nil)

            let message = try #require(result.error?.message)
            #expect(result.outcome == .permanent)
            #expect(message == "HTTP 401 from \(broker.url): invalid token <redacted> for user <redacted>")
            let logged = WireTestSupport.text(of: logs)
            #expect(logged.contains("delivery attempt"))
            for secret in ["tok-3f9a2c71e5d84b06", "hunter2-pw", "ops-user"] {
                #expect(!message.contains(secret))
                #expect(!logged.contains(secret))
            }
        }
    }
}
