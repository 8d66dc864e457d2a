import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolWebhook

/// ``BrokerClient`` against the real loopback ``TestBroker``: what arrives on the wire, connection
/// reuse, and how every kind of answer — and non-answer — is classified.
@Suite(.timeLimit(.minutes(2)))
struct DeliveryBrokerTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// Runs `body` with a client for `broker`, and always shuts the client down.
    func withClient<T>(
        _ broker: TestBroker,
        url: String? = nil,
        timeout: Duration = .seconds(5),
        headers: [String: String] = [:],
        maxConnections: Int = 16,
        eventFormat: BrokerConfiguration.EventFormat = .binary,
        classification: DeliveryClassification = DeliveryClassification(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger = quietLogger,
        _ body: (Broker) async throws -> T
    ) async throws -> T {
        let configuration = BrokerConfiguration(
            url: url ?? broker.url,
            timeout: timeout,
            headers: headers,
            maxConnections: maxConnections,
            eventFormat: eventFormat
        )
        return try await WireTestSupport.withClient(
            configuration,
            classification: classification,
            clock: clock,
            logger: logger,
            body
        )
    }

    func event(_ text: String = #"{"order":1}"#) -> Event {
        Event(type: "com.example.order.created", source: "/orders", text: text)
    }

    // MARK: - The request on the wire

    @Test func happyPathSendsTheExactBodyAndCloudEventsHeaders() async throws {
        try await withTestBroker { broker in
            let event = Event(
                type: "com.example.order.created",
                source: "/orders/eu",
                time: Date(timeIntervalSince1970: 1_714_564_800.25),
                subject: "Zürich 100% \"fresh\"",
                contentType: "application/json",
                body: Array(#"{"order":1,"note":"ünïcode"}"#.utf8),
                extensions: ["tenant": "acme corp"],
                traceparent: Self.traceparent
            )
            let result = try await withClient(broker, headers: ["X-Tenant": "acme"]) { client in
                await client.deliver(event)
            }
            #expect(result.outcome == .delivered)
            #expect(result.status == 204)
            #expect(result.error == nil)

            let requests = try await broker.waitForRequests(count: 1)
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.uri == "/events")
            #expect(request.body == event.body)
            #expect(request.header("ce-specversion") == "1.0")
            #expect(request.header("ce-id") == event.id)
            #expect(request.header("ce-source") == "/orders/eu")
            #expect(request.header("ce-type") == "com.example.order.created")
            #expect(request.header("ce-time") == "2024-05-01T12:00:00.250Z")
            #expect(request.header("ce-subject") == "Z%C3%BCrich%20100%25%20%22fresh%22")
            #expect(request.header("ce-tenant") == "acme%20corp")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("traceparent") == Self.traceparent)
            #expect(request.header("idempotency-key") == event.id)
            #expect(request.header("x-tenant") == "acme")
            #expect(request.header("expect") == nil)
            #expect(request.headerValues("content-type").count == 1)
        }
    }

    @Test func theSameIDGoesOutOnEveryAttempt() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(503), .status(200))
            let event = event()
            let (first, second) = try await withClient(broker) { client in
                (await client.deliver(event), await client.deliver(event))
            }
            #expect(first.outcome == .retryable(retryAfter: nil))
            #expect(second.outcome == .delivered)
            let requests = try await broker.waitForRequests(count: 2)
            #expect(requests.map { $0.header("ce-id") } == [event.id, event.id])
            #expect(requests.map { $0.header("idempotency-key") } == [event.id, event.id])
        }
    }

    @Test func structuredModeSendsOneJSONDocument() async throws {
        try await withTestBroker { broker in
            let event = event()
            let result = try await withClient(broker, eventFormat: .structured) { client in
                await client.deliver(event)
            }
            #expect(result.isDelivered)
            let request = try #require(try await broker.waitForRequests(count: 1).first)
            #expect(request.header("content-type") == "application/cloudevents+json; charset=UTF-8")
            #expect(request.header("ce-id") == nil)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(object["id"] as? String == event.id)
            #expect((object["data"] as? [String: Any])?["order"] as? Int == 1)
        }
    }

    // MARK: - Connection reuse

    @Test func serialDeliveriesReuseOneConnection() async throws {
        try await withTestBroker { broker in
            let results = try await withClient(broker) { client in
                var results: [DeliveryResult] = []
                for index in 0..<100 {
                    results.append(await client.deliver(event("\(index)")))
                }
                return results
            }
            #expect(results.allSatisfy { $0.isDelivered })
            #expect(broker.requestCount == 100)
            #expect(broker.acceptedConnections == 1)
            #expect(Set(broker.requests.map(\.connectionID)).count == 1)
        }
    }

    @Test func concurrentDeliveriesStayWithinMaxConnections() async throws {
        try await withTestBroker { broker in
            // A short server-side pause keeps requests overlapping, so the client needs every connection.
            broker.setDefaultBehavior(.delay(.milliseconds(20), then: .status(200)))
            let results = try await withClient(broker, maxConnections: 4) { client in
                try await withThrowingTaskGroup(of: DeliveryResult.self) { group in
                    for index in 0..<64 {
                        group.addTask { await client.deliver(event("\(index)")) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(results.count == 64)
            #expect(results.allSatisfy { $0.isDelivered })
            #expect(broker.requestCount == 64)
            #expect(broker.acceptedConnections <= 4)
            #expect(broker.acceptedConnections > 1)
            #expect(Set(broker.requests.map(\.body)).count == 64)
        }
    }

    // MARK: - Retryable answers and Retry-After

    @Test func serviceUnavailableWithRetryAfterSeconds() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(503, headers: [("Retry-After", "120")], body: "busy\nmore detail"))
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == .retryable(retryAfter: .seconds(120)))
            #expect(result.status == 503)
            #expect(result.error?.message == "HTTP 503 from \(broker.url): busy")
        }
    }

    @Test func tooManyRequestsWithAnHTTPDateIsMeasuredFromTheInjectedClock() async throws {
        try await withTestBroker { broker in
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_714_564_800))  // Wed, 01 May 2024 12:00:00
            broker.enqueue(.status(429, headers: [("Retry-After", "Wed, 01 May 2024 12:01:30 GMT")]))
            broker.enqueue(.status(429, headers: [("Retry-After", "Wed, 01 May 2024 12:01:30 GMT")]))
            try await withClient(broker, clock: clock) { client in
                let first = await client.deliver(event())
                #expect(first.outcome == .retryable(retryAfter: .seconds(90)))
                clock.advance(by: .seconds(60))
                let second = await client.deliver(event())
                #expect(second.outcome == .retryable(retryAfter: .seconds(30)))
            }
        }
    }

    @Test func absurdRetryAfterIsCappedAndGarbageGetsTheDefault() async throws {
        try await withTestBroker { broker in
            broker.enqueue(
                .status(503, headers: [("Retry-After", "99999999999999999999")]),
                .status(429, headers: [("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]),
                .status(503, headers: [("Retry-After", "whenever you like")]),
                .status(503)
            )
            let classification = DeliveryClassification(maxRetryAfter: .seconds(3600), defaultRetryAfter: .seconds(45))
            let outcomes = try await withClient(broker, classification: classification) { client in
                var outcomes: [DeliveryResult.Outcome] = []
                for _ in 0..<4 {
                    outcomes.append(await client.deliver(event()).outcome)
                }
                return outcomes
            }
            #expect(
                outcomes == [
                    .retryable(retryAfter: .seconds(3600)),
                    .retryable(retryAfter: .seconds(3600)),
                    .retryable(retryAfter: .seconds(45)),
                    .retryable(retryAfter: nil),
                ]
            )
        }
    }

    @Test func retryAfterOfAnInterimResponseIsForgotten() async throws {
        try await withTestBroker { broker in
            let raw =
                "HTTP/1.1 100 Continue\r\nRetry-After: 999\r\n\r\n"
                + "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy"
            broker.enqueue(.raw(Array(raw.utf8)))
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == .retryable(retryAfter: nil))
            #expect(result.status == 503)
        }
    }

    // MARK: - Permanent and gone

    @Test(arguments: [400, 404, 422, 501])
    func clientErrorsAndNotImplementedArePermanent(status: Int) async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(status, body: "rejected: schema mismatch"))
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == .permanent)
            #expect(result.status == status)
            #expect(result.error?.message == "HTTP \(status) from \(broker.url): rejected: schema mismatch")
        }
    }

    @Test func redirectsAreNeverFollowed() async throws {
        try await withTestBroker { broker in
            let elsewhere = broker.url.replacingOccurrences(of: "/events", with: "/moved")
            broker.enqueue(.status(301, headers: [("Location", elsewhere)], body: "moved"))
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == .permanent)
            #expect(result.status == 301)
            #expect(result.error?.message == "HTTP 301 from \(broker.url) (redirects are not followed): moved")
            #expect(broker.requestCount == 1)
            #expect(broker.requests.map(\.uri) == ["/events"])
        }
    }

    @Test func goneIsEndpointGone() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(410, body: "endpoint retired"))
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == .endpointGone)
            #expect(result.error?.message == "HTTP 410 from \(broker.url): endpoint retired")
        }
    }

    // MARK: - No usable answer

    @Test func connectionRefusedIsRetryable() async throws {
        try await withTestBroker { broker in
            try await broker.stopListening()
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == .retryable(retryAfter: nil))
            #expect(result.status == nil)
            #expect(result.error?.message == "connection refused: \(broker.url)")
        }
    }

    @Test func aHangingBrokerTimesOut() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.hang)
            let result = try await withClient(broker, timeout: .milliseconds(300)) { client in
                await client.deliver(event())
            }
            #expect(result.outcome == .retryable(retryAfter: nil))
            #expect(result.error?.message == "timed out after 300ms waiting for \(broker.url)")
        }
    }

    @Test func aDrippingBrokerTimesOut() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.drip(status: 200, body: "slowly", interval: .milliseconds(100)))
            let result = try await withClient(broker, timeout: .milliseconds(300)) { client in
                await client.deliver(event())
            }
            #expect(result.outcome == .retryable(retryAfter: nil))
            #expect(result.error?.message == "timed out after 300ms waiting for \(broker.url)")
        }
    }

    @Test(arguments: [
        (BrokerBehavior.closeBeforeResponse, "connection closed before any response: "),
        (.resetBeforeResponse, "connection reset by the broker: "),
        (.closeMidResponse(status: 200), "connection closed in the middle of an HTTP 200 response: "),
        (.resetMidResponse(status: 200), "connection reset by the broker: "),
        (.raw(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)), "not an HTTP response from "),
        (.raw(Array("HTTP/1.1 OK\r\n\r\n".utf8)), "not an HTTP response from "),
        (.raw([0, 1, 2, 3, 0xFF, 0xFE, 13, 10, 13, 10]), "not an HTTP response from "),
    ])
    func brokenAnswersAreRetryableWithClearMessages(behavior: BrokerBehavior, message: String) async throws {
        try await withTestBroker { broker in
            // A fresh client, so the request goes out on a new connection: libcurl retries a request
            // once by itself when a *reused* connection turns out dead, which would hide the fault.
            broker.enqueue(behavior)
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == .retryable(retryAfter: nil))
            #expect(result.error?.message == message + broker.url)
        }
    }

    @Test func tlsToAPlainHTTPPortIsARetryableTLSFailure() async throws {
        try await withTestBroker { broker in
            let url = broker.url.replacingOccurrences(of: "http://", with: "https://")
            let result = try await withClient(broker, url: url) { client in await client.deliver(event()) }
            #expect(result.outcome == .retryable(retryAfter: nil))
            let message = try #require(result.error?.message)
            #expect(message.hasPrefix("TLS failure ("))
            #expect(message.hasSuffix("): \(url)"))
        }
    }

    // MARK: - Large and hostile bodies

    @Test(arguments: [(503, DeliveryResult.Outcome.retryable(retryAfter: nil)), (200, .delivered), (400, .permanent)])
    func aTenMebibyteBodyIsCutAtTheCapAndClassifiedByStatus(
        status: Int,
        outcome: DeliveryResult.Outcome
    ) async throws {
        try await withTestBroker { broker in
            broker.enqueue(.largeBody(status: status, size: 10 << 20))
            let result = try await withClient(broker) { client in await client.deliver(event()) }
            #expect(result.outcome == outcome)
            #expect(result.status == status)
        }
    }

}
