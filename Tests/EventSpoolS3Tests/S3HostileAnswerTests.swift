import EventSpoolS3
import EventSpoolTesting
import Foundation
import Logging
import Testing

@testable import EventSpoolS3

/// Answers a real store gives rarely and a broken or hostile one at will: throttling, lost answers, a 200 that did
/// not store the bytes, secrets echoed back, listings that lie. None may trap, loop forever or pass as success.
@Suite(.timeLimit(.minutes(3))) struct S3HostileAnswerTests {
    typealias Fake = S3RequestShapeTests

    /// SeaweedFS's 503 says `ErrTooManyRequest` (AWS: `SlowDown`) and has no Retry-After: retried all the same.
    @Test func throttlingAndServerErrorsAreRetried() async throws {
        try await withTestBroker { broker in
            let busy =
                "<Error><Code>ErrTooManyRequest</Code><Message>Too many simultaneous request count</Message></Error>"
            broker.enqueue(
                .status(503, body: busy),
                .status(500),
                .closeBeforeResponse,
                .status(200, headers: [Fake.etagHeader([1, 2])])
            )
            try await Fake.withFakeStore(broker, maxAttempts: 5) { client in
                let receipt = try created(try await client.putIfAbsent("k", bytes: [1, 2]))
                #expect(!receipt.confirmedByReading)
            }
            #expect(broker.requestCount == 4)
        }
    }

    @Test func throttlingUntilTheLastAttemptSaysSo() async throws {
        try await withTestBroker { broker in
            broker.setDefaultBehavior(.status(503, body: "<Error><Code>SlowDown</Code><Message>busy</Message></Error>"))
            try await Fake.withFakeStore(broker, maxAttempts: 3) { client in
                let error = await #expect(throws: S3Error.self) { try await client.get("k") }
                #expect(error?.code == .throttled)
                #expect(error?.attempts == 3)
                #expect(error?.storeCode == "SlowDown")
            }
            #expect(broker.requestCount == 3)
        }
    }

    /// 412 is an answer: never retried, whatever came before.
    @Test func aConflictIsNotRetried() async throws {
        try await withTestBroker { broker in
            broker.setDefaultBehavior(.status(412, body: "<Error><Code>PreconditionFailed</Code></Error>"))
            try await Fake.withFakeStore(broker) { client in
                guard case .exists(let conflict) = try await client.putIfAbsent("k", bytes: [1]) else {
                    Issue.record("a 412 was taken for a create")
                    return
                }
                #expect(conflict.storeCode == "PreconditionFailed")
            }
            #expect(broker.requestCount == 1)
        }
    }

    /// A create whose answer was lost may have landed: the retry then finds the key taken. The client reads the
    /// object back and reports the create as its own when it holds the bytes sent — and as a conflict when not.
    @Test(arguments: [true, false])
    func aCreateWhoseAnswerWasLostIsCheckedByReadingBack(landed: Bool) async throws {
        try await withTestBroker { broker in
            let bytes = Array("event object".utf8)
            let stored = landed ? bytes : Array("someone else".utf8)
            broker.enqueue(
                .closeBeforeResponse,
                .status(412, body: "<Error><Code>PreconditionFailed</Code></Error>"),
                .status(200, headers: [Fake.etagHeader(stored), ("Content-Length", "\(stored.count)")])
            )
            try await Fake.withFakeStore(broker) { client in
                let outcome = try await client.putIfAbsent("k", bytes: bytes)
                if landed {
                    #expect(try created(outcome).confirmedByReading)
                } else {
                    guard case .exists = outcome else {
                        Issue.record("another writer's object was taken for ours: \(outcome)")
                        return
                    }
                }
            }
            let requests = broker.requests
            #expect(requests.map(\.method) == ["PUT", "PUT", "HEAD"])
        }
    }

    /// moto stores an empty object for a body it reads as a form, and answers 200: an ETag that is not the MD5 of
    /// the bytes sent is an error, never a success.
    @Test func a200WithTheWrongETagIsNotASuccess() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(200, headers: [("ETag", "\"d41d8cd98f00b204e9800998ecf8427e\"")]))
            try await Fake.withFakeStore(broker) { client in
                let error = await #expect(throws: S3Error.self) { try await client.putIfAbsent("k", bytes: [1, 2, 3]) }
                #expect(error?.code == .badResponse)
            }
        }
    }

    @Test func aReadWhoseBytesDoNotMatchTheirETagIsRefused() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(200, headers: [Fake.etagHeader([1, 2, 3])], bodyBytes: [1, 2, 4]))
            try await Fake.withFakeStore(broker) { client in
                let error = await #expect(throws: S3Error.self) { try await client.get("k") }
                #expect(error?.code == .badResponse)
            }
        }
    }

    /// A hostile store echoes the secret, the session token and the signature in every form it can.
    @Test func secretsEchoedInAnErrorNeverReachTheMessage() async throws {
        let secret = Fake.credentials.secretAccessKey
        let token = Fake.credentials.sessionToken ?? ""
        let signature = String(repeating: "ab12", count: 16)
        let encodedSecret = secret.replacingOccurrences(of: "-", with: "%2D")
        let message = "secret \(secret) token \(token) encoded \(encodedSecret) sig Signature=\(signature)"
        try await withTestBroker { broker in
            broker.setDefaultBehavior(
                .status(403, body: "<Error><Code>AccessDenied</Code><Message>\(message)</Message></Error>")
            )
            try await Fake.withFakeStore(broker) { client in
                let error = await #expect(throws: S3Error.self) { try await client.get("k") }
                let text = error.map { "\($0)" } ?? ""
                #expect(text.contains("AccessDenied"))
                for leaked in [secret, token, signature, encodedSecret] {
                    #expect(!text.contains(leaked), "\(leaked) reached the message: \(text)")
                }
            }
        }
    }

    /// The secret and the session token echoed in each encoding the test kit knows, inside the XML and as a
    /// body that is not XML: no piece of either reaches the error.
    @Test(arguments: SecretEncoding.all)
    func secretsEchoedInAnyEncodingNeverReachTheMessage(encoding: SecretEncoding) async throws {
        let secrets = [Fake.credentials.secretAccessKey, Fake.credentials.sessionToken ?? ""]
        let echoed = secrets.map { encoding.apply($0) }.joined(separator: " and ")
        try await withTestBroker { broker in
            broker.enqueue(
                .status(400, body: "<Error><Code>InvalidArgument</Code><Message>got \(echoed)</Message></Error>"),
                .status(400, body: "not XML: \(echoed)")
            )
            try await Fake.withFakeStore(broker) { client in
                for _ in 0..<2 {
                    let error = await #expect(throws: S3Error.self) { try await client.get("k") }
                    let text = error.map { "\($0)" } ?? ""
                    #expect(text.contains("400"))
                    #expect(SecretLeakCheck(secrets: secrets).leaks(in: text).isEmpty, "\(text)")
                }
            }
        }
    }

    @Test(arguments: [
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Key>elsewhere/x</Key><ETag>\"e\"</ETag><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>p/x</Key><ETag>\"e\"</ETag><Size>-5</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>p/x</Key><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Key>p/x</Key>",
        "<Other/>",
        String(repeating: "<a>", count: 5000),
        "<ListBucketResult>&#xFFFFFFFFFF;</ListBucketResult>",
        "not xml at all",
    ])
    func aListingThatMakesNoSenseIsAnError(xml: String) async throws {
        try await withTestBroker { broker in
            broker.setDefaultBehavior(.status(200, body: xml))
            try await Fake.withFakeStore(broker) { client in
                let error = await #expect(throws: S3Error.self) { try await client.listPage(prefix: "p/") }
                #expect(error?.code == .badResponse)
            }
        }
    }

    /// A store that hands back the token it was given would keep a listing going forever.
    @Test func aListingThatDoesNotAdvanceEnds() async throws {
        try await withTestBroker { broker in
            broker.enqueue(
                .status(
                    200,
                    body: "<ListBucketResult><IsTruncated>true</IsTruncated>"
                        + "<Contents><Key>p/1</Key><ETag>\"e\"</ETag><Size>1</Size></Contents>"
                        + "<NextContinuationToken>same</NextContinuationToken></ListBucketResult>"
                )
            )
            broker.setDefaultBehavior(
                .status(
                    200,
                    body: "<ListBucketResult><IsTruncated>true</IsTruncated>"
                        + "<NextContinuationToken>same</NextContinuationToken></ListBucketResult>"
                )
            )
            try await Fake.withFakeStore(broker) { client in
                var keys: [String] = []
                let error = await #expect(throws: S3Error.self) {
                    for try await object in client.objects(prefix: "p/") { keys.append(object.key) }
                }
                #expect(error?.code == .badResponse)
                #expect(keys == ["p/1"])
            }
            #expect(broker.requestCount == 2)
        }
    }

    /// A range at the very end of `Int` must not overflow while it is checked against the bytes that came, and a
    /// range other than the one asked for is no answer to it.
    @Test(arguments: [
        "bytes 0-9223372036854775807/*", "bytes 9223372036854775806-9223372036854775807/*", "bytes 0-0/*",
    ])
    func aPartialAnswerWithAnAbsurdRangeIsAnError(contentRange: String) async throws {
        try await withTestBroker { broker in
            broker.enqueue(.status(206, headers: [("ETag", "\"e\""), ("Content-Range", contentRange)], body: "xy"))
            try await Fake.withFakeStore(broker) { client in
                let error = await #expect(throws: S3Error.self) { try await client.get("k", range: 0...1) }
                #expect(error?.code == .badResponse)
            }
        }
    }

    @Test func anObjectLargerThanTheLimitIsNotBuffered() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.largeBody(status: 200, size: 200_000))
            let configuration = S3Configuration(
                endpoint: "http://127.0.0.1:\(broker.port)",
                bucket: "spool",
                maxObjectBytes: 1000
            )
            try await withS3Client(configuration: configuration, logger: Logger(label: "test")) { client in
                let error = await #expect(throws: S3Error.self) { try await client.get("k") }
                #expect(error?.code == .badResponse)
            }
        }
    }
}
