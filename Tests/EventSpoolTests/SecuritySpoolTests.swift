import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolStorage

/// Secrets and hostile input against a real spool directory: credentials never reach a spool object or
/// a log, and an id that looks like a path is refused before anything is written.
@Suite(.timeLimit(.minutes(2)))
struct SecuritySpoolTests {
    static let token = "tok-5f0e3c9a7b214d86"
    static let password = "pw-8e2b6a1d93c47f05"
    static let username = "svc-billing"
    static let signingKey = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let signingSecret = "whsec_" + signingKey

    /// Every secret in every form it could leak in.
    static var secrets: [String] {
        [
            token, password, signingSecret, signingKey,
            Data("\(username):\(password)".utf8).base64EncodedString(),
        ]
    }

    /// Every regular file under `directory`, with its bytes.
    func files(under directory: String) throws -> [(path: String, bytes: [UInt8])] {
        var files: [(String, [UInt8])] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files.append((path, Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        }
        return files
    }

    @Test func secretsNeverReachTheSpoolOrTheLogs() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            try await withTestBroker { primary in
                try await withTestBroker { secondary in
                    let logs = InMemoryLogHandler()
                    let configuration = Publisher.Configuration(
                        broker: BrokerConfiguration(
                            url: primary.url,
                            auth: .bearer(token: .value(Self.token)),
                            signing: .init(secrets: [.value(Self.signingSecret)])
                        ),
                        secondaryBroker: BrokerConfiguration(
                            url: secondary.url,
                            auth: .basic(username: Self.username, password: .value(Self.password)),
                            signing: .init(secrets: [.value(Self.signingSecret)])
                        ),
                        spool: SpoolConfiguration(directory: directory + "/spool"),
                        // Every attempt goes to the brokers: no circuit breaker between them and the spool.
                        circuitBreaker: CircuitBreakerConfiguration(failureThreshold: 1000)
                    )
                    let basic = Data("\(Self.username):\(Self.password)".utf8).base64EncodedString()
                    let primaryEcho = BrokerBehavior.status(
                        503,
                        body: "rejected: Bearer \(Self.token) for \(Self.signingSecret)"
                    )
                    let clock = ManualWallClock(Date())
                    let logger = WireTestSupport.capturingLogger(logs)
                    try await withPublisher(configuration: configuration, clock: clock, logger: logger) { publisher in
                        // Both brokers refuse, each echoing the credentials it was sent…
                        primary.enqueue(primaryEcho)
                        secondary.enqueue(
                            .status(401, body: "rejected: Basic \(basic) = \(Self.password) for \(Self.signingKey)")
                        )
                        let refused = try await publisher.publish(Event(type: "t", source: "/s", text: #"{"n":1}"#))
                        // …then both are down…
                        try await primary.stopListening()
                        try await secondary.stopListening()
                        let down = try await publisher.publish(Event(type: "t", source: "/s", text: #"{"n":2}"#))
                        // …and then the primary is back.
                        try await primary.startListening()
                        let delivered = try await publisher.publish(Event(type: "t", source: "/s", text: #"{"n":3}"#))

                        guard case .spooled(_, let reason) = refused, let error = reason.deliveryError else {
                            Issue.record("not spooled with the broker's error: \(refused)")
                            return
                        }
                        #expect(error.message.contains("<redacted>"))
                        guard case .spooled = down else {
                            Issue.record("not spooled while the brokers were down: \(down)")
                            return
                        }
                        #expect(delivered == .delivered)
                    }
                    // An hour later a sweep retries both spooled events; the primary refuses again, echoing.
                    clock.advance(by: .seconds(3600))
                    primary.enqueue(primaryEcho, primaryEcho)
                    let sweeper = try Sweeper(
                        configuration: Sweeper.Configuration(
                            broker: configuration.broker,
                            secondaryBroker: configuration.secondaryBroker,
                            spool: configuration.spool
                        ),
                        clock: clock,
                        logger: logger
                    )
                    let report = await sweeper.sweep()
                    await sweeper.shutdown()
                    #expect(report.deferred == 2)

                    // The credentials did go out, at send time.
                    #expect(primary.requests.last?.header("authorization") == "Bearer \(Self.token)")
                    #expect(primary.requests.last?.header("webhook-signature") != nil)

                    let spooled = try files(under: directory + "/spool")
                    #expect(!spooled.isEmpty)
                    let logged = WireTestSupport.text(of: logs)
                    #expect(logged.contains("event spooled"))
                    for secret in Self.secrets {
                        for file in spooled {
                            #expect(!file.bytes.contains(Array(secret.utf8)), "\(secret) in \(file.path)")
                        }
                        #expect(!logged.contains(secret), "\(secret) in the log")
                    }
                }
            }
        }
    }

    /// The URL's credentials (sent by libcurl as `Basic`), an API key header and a signing secret, echoed by a
    /// broker in a JSON body (`/` escaped as `\/`), reach no sink: the spool's bytes, the logs at trace level,
    /// the sweep report as text and as JSON, the spooled and dead-lettered events' last errors.
    @Test func echoedURLCredentialsReachNoSink() async throws {
        let apiKey = "key-61f0c2a9+d7/e4b3"
        let check = SecretLeakCheck(
            secrets: CredentialFixtures.userinfoForms + [apiKey, Self.signingSecret, Self.signingKey]
        )
        try await WireTestSupport.withTemporaryDirectory { directory in
            try await withTestBroker { broker in
                broker.setDefaultBehavior(.echoRequestHeaders(400))
                let logs = InMemoryLogHandler()
                let logger = WireTestSupport.capturingLogger(logs)
                let brokerConfiguration = BrokerConfiguration(
                    url: CredentialFixtures.withUserinfo(broker.url),
                    headers: ["X-Api-Key": apiKey],
                    signing: .init(secrets: [.value(Self.signingSecret)])
                )
                let spool = SpoolConfiguration(directory: directory + "/spool")
                let clock = ManualWallClock(Date())
                let outcome = try await withPublisher(
                    configuration: Publisher.Configuration(broker: brokerConfiguration, spool: spool),
                    clock: clock,
                    logger: logger
                ) { publisher in
                    try await publisher.publish(Event(type: "t", source: "/s", text: #"{"n":1}"#))
                }
                guard case .spooled(_, let reason) = outcome, let error = reason.deliveryError else {
                    Issue.record("not spooled with the broker's error: \(outcome)")
                    return
                }
                #expect(error.message.contains("HTTP 400"))
                #expect(check.leaks(in: error.message) == [], "\(error.message)")

                clock.advance(by: .seconds(3600))
                let sweeper = try Sweeper(
                    configuration: Sweeper.Configuration(broker: brokerConfiguration, spool: spool),
                    clock: clock,
                    logger: logger
                )
                let report = await sweeper.sweep()
                await sweeper.shutdown()
                #expect(report.deadLettered == 1)
                #expect(broker.requests.allSatisfy { $0.header("authorization")?.hasPrefix("Basic ") == true })

                let sinks = [
                    ("the report", report.renderText(always: true)), ("the JSON report", report.renderJSON()),
                    ("the logs", WireTestSupport.text(of: logs)),
                ]
                #expect(sinks[0].1.contains("HTTP 400 from \(broker.url)"))
                for (name, text) in sinks {
                    #expect(check.leaks(in: text) == [], "\(name): \(text)")
                }
                let files = try files(under: directory + "/spool")
                #expect(files.contains { $0.path.contains("/dead/") })
                for file in files {
                    #expect(check.leaks(in: file.bytes) == [], "\(file.path)")
                }
            }
        }
    }

    @Test func aHostileIDIsRefusedBeforeAnythingIsWritten() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            let spoolDirectory = directory + "/spool/a/b"
            let configuration = Publisher.Configuration(
                broker: BrokerConfiguration(url: "http://127.0.0.1:1/events"),
                spool: SpoolConfiguration(directory: spoolDirectory),
                mode: .writeAhead
            )
            try await withPublisher(configuration: configuration, logger: quietLogger) { publisher in
                for id in ["../../etc/x", "../../../x", "a/b", "..", "x\u{0}y"] {
                    let error = await #expect(throws: PublishError.self) {
                        _ = try await publisher.publish(Event(id: id, type: "t", source: "/s", text: "{}"))
                    }
                    #expect(error?.code == .invalidEvent, "\(id)")
                }
            }
            // Nothing but the spool's own folders, and no object in them.
            #expect(!FileManager.default.fileExists(atPath: spoolDirectory + "/../../etc/x"))
            #expect(!FileManager.default.fileExists(atPath: directory + "/spool/etc"))
            #expect(try files(under: directory).filter { $0.path.hasSuffix(".evs") }.isEmpty)
            #expect(SpoolKey("../../etc/x") == nil)
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    fileprivate func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        return (0...(count - needle.count)).contains { start in
            self[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}
