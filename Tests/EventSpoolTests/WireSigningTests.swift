import EventSpoolTesting
import Foundation
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolWebhook

/// Standard Webhooks signing: the specification's test vector, rotation, a fresh timestamp per attempt,
/// and clear errors for unusable secrets.
@Suite(.timeLimit(.minutes(2)))
struct WireSigningTests {
    // The test vector of the Standard Webhooks reference libraries
    // (standard-webhooks/standard-webhooks, libraries/*/tests: `test_sign_function` and the like).
    static let vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let vectorID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let vectorTimestamp: Int64 = 1_614_265_330
    static let vectorBody = #"{"test": 2432232314}"#
    static let vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    /// A second secret (the bytes 0…31) and its signature of the vector's message, computed with
    /// Python's `hmac` module.
    static let rotatedSecret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    static let rotatedSignature = "v1,O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI="

    /// The signature of the vector's id, timestamp and body with `secret` alone.
    static func signatureOfTheVector(with secret: String) throws -> String {
        try WebhookSigner(secrets: [secret]).signature(
            id: vectorID,
            timestamp: vectorTimestamp,
            body: Array(vectorBody.utf8)
        )
    }

    /// Checks that `requests` are attempts of `event` made at `timestamps`: the ids the same on each, and
    /// each signed (with ``vectorSecret``) for its own timestamp.
    static func expectSignedAttempts(_ requests: [RecordedRequest], of event: Event, at timestamps: [Int64]) throws {
        #expect(requests.map { $0.header("webhook-timestamp") } == timestamps.map { String($0) })
        #expect(requests.map { $0.header("webhook-id") } == requests.map { _ in event.id })
        #expect(requests.map { $0.header("ce-id") } == requests.map { _ in event.id })
        let signer = try WebhookSigner(secrets: [vectorSecret])
        for (request, timestamp) in zip(requests, timestamps) {
            #expect(
                request.header("webhook-signature")
                    == signer.signature(id: event.id, timestamp: timestamp, body: request.body)
            )
        }
    }

    @Test func theSignerMatchesTheSpecificationsTestVector() throws {
        #expect(try Self.signatureOfTheVector(with: Self.vectorSecret) == Self.vectorSignature)
        // A signer keeps no state between signatures: the same input signs the same way every time.
        let signer = try WebhookSigner(secrets: [Self.vectorSecret])
        let signatures = (0..<3).map { round in
            signer.signature(
                id: Self.vectorID,
                timestamp: Self.vectorTimestamp + Int64(round % 2),
                body: Array(Self.vectorBody.utf8)
            )
        }
        #expect(signatures[0] == Self.vectorSignature)
        #expect(signatures[1] != Self.vectorSignature)
        #expect(signatures[2] == Self.vectorSignature)
    }

    @Test func theTestVectorGoesOutOnTheWireAndTwoSecretsGiveTwoSignatures() async throws {
        try await withTestBroker { broker in
            let clock = ManualWallClock(Date(timeIntervalSince1970: TimeInterval(Self.vectorTimestamp)))
            let event = Event(id: Self.vectorID, type: "test.vector", source: "/test", text: Self.vectorBody)
            let configuration = BrokerConfiguration(
                url: broker.url,
                signing: .init(secrets: [.value(Self.vectorSecret), .value(Self.rotatedSecret)])
            )
            let result = try await WireTestSupport.withClient(configuration, clock: clock) { client in
                await client.deliver(event)
            }
            #expect(result.isDelivered)
            let request = try #require(try await broker.waitForRequests(count: 1).first)
            #expect(request.header("webhook-id") == Self.vectorID)
            #expect(request.header("webhook-timestamp") == "1614265330")
            #expect(request.header("webhook-signature") == "\(Self.vectorSignature) \(Self.rotatedSignature)")
            #expect(request.body == Array(Self.vectorBody.utf8))
        }
    }

    @Test func theTimestampIsFreshOnEveryAttemptWhileTheIDsStay() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(503), .status(204))
            let clock = ManualWallClock(Date(timeIntervalSince1970: 1_714_564_800))
            let event = Event(type: "com.example.order.created", source: "/orders", text: #"{"order":1}"#)
            let configuration = BrokerConfiguration(
                url: broker.url,
                signing: .init(secrets: [.value(Self.vectorSecret)])
            )
            let (first, second) = try await WireTestSupport.withClient(configuration, clock: clock) { client in
                let first = await client.deliver(event)
                clock.advance(by: .seconds(90))
                return (first, await client.deliver(event))
            }
            #expect(first.outcome == .retryable(retryAfter: nil))
            #expect(second.isDelivered)

            let requests = try await broker.waitForRequests(count: 2)
            try Self.expectSignedAttempts(requests, of: event, at: [1_714_564_800, 1_714_564_890])
            #expect(requests[0].header("webhook-signature") != requests[1].header("webhook-signature"))
        }
    }

    @Test func aSweeperRetryIsSignedAfreshWhileTheIDsStay() async throws {
        try await SweeperFixture.with { fixture in
            try await withTestBroker { broker in
                let signing = BrokerConfiguration.Signing(secrets: [.value(Self.vectorSecret)])
                var publishing = Publisher.Configuration(
                    broker: BrokerConfiguration(url: broker.url, signing: signing),
                    spool: fixture.spool.configuration
                )
                publishing.retry = RetryPolicy(jitter: 0)
                let publisher = try Publisher(
                    configuration: publishing,
                    spool: fixture.spool,
                    clock: fixture.clock,
                    logger: fixture.logger
                )
                broker.enqueue(.status(503), .status(204))
                let event = Event(type: "com.example.order.created", source: "/orders", text: #"{"order":7}"#)
                guard case .spooled = try await publisher.publish(event) else {
                    Issue.record("the event was not spooled")
                    return
                }
                await publisher.shutdown()

                // Ten minutes later, well past the backoff, a sweeper delivers it.
                fixture.clock.advance(by: .seconds(600))
                var sweeping = fixture.configuration(broker: broker)
                sweeping.broker.signing = signing
                let report = try await fixture.withSweeper(sweeping) { await $0.sweep() }
                #expect(report.delivered == 1)

                let requests = try await broker.waitForRequests(count: 2)
                let start = Int64(SweeperFixture.start.timeIntervalSince1970)
                try Self.expectSignedAttempts(requests, of: event, at: [start, start + 600])
            }
        }
    }

    @Test func structuredModeSignsTheBodyAsSent() async throws {
        try await withTestBroker { broker in
            let event = Event(
                type: "com.example.blob",
                source: "/blobs",
                contentType: "application/octet-stream",
                body: [0, 1, 2, 0xFF]
            )
            let configuration = BrokerConfiguration(
                url: broker.url,
                eventFormat: .structured,
                signing: .init(secrets: [.value(Self.vectorSecret)])
            )
            _ = try await WireTestSupport.withClient(configuration) { client in await client.deliver(event) }
            let request = try #require(try await broker.waitForRequests(count: 1).first)
            #expect(request.header("content-type") == "application/cloudevents+json; charset=UTF-8")
            let timestamp = try #require(request.header("webhook-timestamp").flatMap { Int64($0) })
            let signer = try WebhookSigner(secrets: [Self.vectorSecret])
            #expect(
                request.header("webhook-signature")
                    == signer.signature(id: event.id, timestamp: timestamp, body: request.body)
            )
        }
    }

    @Test func withoutSecretsThereIsNoSignatureButTheIDStill() async throws {
        try await withTestBroker { broker in
            let event = Event(type: "t", source: "/s", text: "{}")
            _ = try await WireTestSupport.withClient(BrokerConfiguration(url: broker.url)) { client in
                await client.deliver(event)
            }
            let request = try #require(try await broker.waitForRequests(count: 1).first)
            #expect(request.header("webhook-id") == event.id)
            #expect(request.header("webhook-timestamp") == nil)
            #expect(request.header("webhook-signature") == nil)
        }
    }

    @Test func secretsComeFromFilesWithTheTrailingNewlineTrimmedAndSeveralPerFile() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            let single = directory + "/whsec"
            let rotation = directory + "/whsec-rotation"
            try WireTestSupport.writeSecretFile(Self.vectorSecret + "\n", to: single)
            try WireTestSupport.writeSecretFile("\(Self.vectorSecret)\n\(Self.rotatedSecret)\n", to: rotation)
            try await withTestBroker { broker in
                let event = Event(id: Self.vectorID, type: "test.vector", source: "/test", text: Self.vectorBody)
                let clock = ManualWallClock(Date(timeIntervalSince1970: TimeInterval(Self.vectorTimestamp)))
                for (path, expected) in [
                    (single, Self.vectorSignature),
                    (rotation, "\(Self.vectorSignature) \(Self.rotatedSignature)"),
                ] {
                    let configuration = BrokerConfiguration(url: broker.url, signing: .init(secrets: [.file(path)]))
                    _ = try await WireTestSupport.withClient(configuration, clock: clock) { client in
                        await client.deliver(event)
                    }
                    let request = try #require(broker.requests.last)
                    #expect(request.header("webhook-signature") == expected)
                }
            }
        }
    }

    @Test func unpaddedBase64IsAccepted() throws {
        // The bytes 0…31 are 43 base64 characters and one '=' of padding.
        let unpadded = String(Self.rotatedSecret.dropLast())
        #expect(try Self.signatureOfTheVector(with: unpadded) == Self.rotatedSignature)
    }

    @Test func unusableSecretsAreRefusedNamingTheKeyNeverTheSecret() async throws {
        let url = "http://127.0.0.1:1/events"
        func error(_ secrets: [Secret]) async -> String? {
            await WireTestSupport.clientError(BrokerConfiguration(url: url, signing: .init(secrets: secrets)))
        }
        let noPrefix = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        #expect(
            await error([.value(Self.vectorSecret), .value(noPrefix)])
                == "broker \(url): signing.secrets[1]: does not start with 'whsec_' "
                + "(a Standard Webhooks signing secret is whsec_<base64>)"
        )
        #expect(
            await error([.value("whsec_not*base64*at-all")])
                == "broker \(url): signing.secrets[0]: is not valid base64 after 'whsec_'"
        )
        // 8 bytes: far below the specification's 24.
        #expect(
            await error([.value("whsec_c2hvcnRrZXk=")])
                == "broker \(url): signing.secrets[0]: holds a key of 8 bytes; Standard Webhooks wants 24 to 64"
        )
        try await WireTestSupport.withTemporaryDirectory { directory in
            let missing = directory + "/missing"
            #expect(
                await error([.file(missing)])
                    == "broker \(url): signing.secretsFile: cannot open file \(missing): No such file or directory"
            )
            let rotation = directory + "/rotation"
            try WireTestSupport.writeSecretFile("\(Self.vectorSecret)\nwhsec_c2hvcnRrZXk=\n", to: rotation)
            let message = try #require(await error([.file(rotation)]))
            #expect(message.contains("signing.secretsFile \(rotation), secret 2: holds a key of 8 bytes"))
            #expect(!message.contains("c2hvcnRrZXk"))
            #expect(!message.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        }
    }
}
