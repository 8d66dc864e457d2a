import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool
@testable import EventSpoolWebhook

/// Auth headers from values and secret files, added at send time; configuration descriptions and
/// errors that never show a secret.
@Suite(.timeLimit(.minutes(2)))
struct SecurityCredentialsTests {
    static let token = "tok-7c1e9b2f40d35a68"
    static let password = "pw-d41d8cd98f00b204"
    static let username = "svc-orders"

    @Test func bearerTokenFromAValue() async throws {
        try await withTestBroker { broker in
            let configuration = BrokerConfiguration(url: broker.url, auth: .bearer(token: .value(Self.token)))
            _ = try await WireTestSupport.withClient(configuration) { client in
                await client.deliver(Event(type: "t", source: "/s", text: "{}"))
            }
            let request = try #require(try await broker.waitForRequests(count: 1).first)
            #expect(request.headerValues("authorization") == ["Bearer \(Self.token)"])
        }
    }

    @Test func credentialsFromFilesHaveTheirTrailingNewlineTrimmed() async throws {
        try await WireTestSupport.withTemporaryDirectory { directory in
            try WireTestSupport.writeSecretFile(Self.token + "\n", to: directory + "/token")
            try WireTestSupport.writeSecretFile(Self.password + "\r\n", to: directory + "/password")
            try await withTestBroker { broker in
                for auth in [
                    BrokerConfiguration.Authentication.bearer(token: .file(directory + "/token")),
                    .basic(username: Self.username, password: .file(directory + "/password")),
                ] {
                    let configuration = BrokerConfiguration(url: broker.url, auth: auth)
                    _ = try await WireTestSupport.withClient(configuration) { client in
                        await client.deliver(Event(type: "t", source: "/s", text: "{}"))
                    }
                }
                let requests = try await broker.waitForRequests(count: 2)
                let basic = Data("\(Self.username):\(Self.password)".utf8).base64EncodedString()
                #expect(requests.map { $0.header("authorization") } == ["Bearer \(Self.token)", "Basic \(basic)"])
            }
        }
    }

    @Test func unusableCredentialsAreRefusedNamingTheKeyNeverTheSecret() async throws {
        let url = "http://127.0.0.1:1/events"
        func error(_ auth: BrokerConfiguration.Authentication, headers: [String: String] = [:]) async -> String? {
            await WireTestSupport.clientError(BrokerConfiguration(url: url, headers: headers, auth: auth))
        }
        #expect(
            await error(.bearer(token: .value("line\nbreak-\(Self.token)")))
                == "broker \(url): auth.bearerToken: has a control character (CR, LF, NUL, …); it cannot go into a header"
        )
        #expect(await error(.bearer(token: .value(""))) == "broker \(url): auth.bearerToken: is empty")
        #expect(
            await error(.basic(username: "a:b", password: .value(Self.password)))
                == "broker \(url): auth.username: must not contain ':' (RFC 7617)"
        )
        #expect(
            await error(.bearer(token: .value(Self.token)), headers: ["authorization": "Bearer other"])
                == "broker \(url): headers: 'Authorization' is configured twice: as a header and as auth; keep one"
        )
        try await WireTestSupport.withTemporaryDirectory { directory in
            let missing = directory + "/nope"
            #expect(
                await error(.bearer(token: .file(missing)))
                    == "broker \(url): auth.bearerTokenFile: cannot open file \(missing): No such file or directory"
            )
            let empty = directory + "/empty"
            try WireTestSupport.writeSecretFile("\n", to: empty)
            #expect(
                await error(.basic(username: "u", password: .file(empty)))
                    == "broker \(url): auth.passwordFile: file \(empty) is empty"
            )
            let huge = directory + "/huge"
            try WireTestSupport.writeSecretFile(String(repeating: "x", count: Secret.maxFileBytes + 1), to: huge)
            #expect(await error(.bearer(token: .file(huge)))?.contains("is larger than 65536 bytes") == true)
        }
    }

    @Test func descriptionsAndDumpsNeverShowASecret() throws {
        let signing = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        var broker = BrokerConfiguration(
            url: "https://\(Self.username):\(Self.password)@broker.example/events",
            headers: ["X-Api-Key": "key-\(Self.token)"],
            auth: .basic(username: Self.username, password: .value(Self.password)),
            signing: .init(secrets: [.value(signing), .file("/run/secrets/whsec-old")]),
            tls: .init(caFile: "/etc/eventspool/ca.pem", minimumVersion: .v1_3)
        )
        let publisher = Publisher.Configuration(
            broker: broker,
            secondaryBroker: BrokerConfiguration(url: "http://b2.example/e", auth: .bearer(token: .value(Self.token))),
            spool: SpoolConfiguration(directory: "/var/spool/eventspool")
        )
        var dumped = ""
        dump(publisher, to: &dumped)
        var texts = [
            String(describing: broker), String(reflecting: broker), String(describing: publisher),
            String(reflecting: publisher), dumped, "\(broker.auth) \(broker.signing)",
        ]
        broker.auth = .bearer(token: .value(Self.token))
        texts.append(String(describing: broker))
        for text in texts {
            for secret in [Self.token, Self.password, Self.username, signing, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
                #expect(!text.contains(secret), "\(secret) in \(text)")
            }
            #expect(text.contains("<redacted>"))
        }
        #expect(
            texts[0]
                == "BrokerConfiguration(url: https://<redacted>@broker.example/events, connectTimeout: 2.0 seconds, "
                + "timeout: 5.0 seconds, "
                + "headers: [X-Api-Key: <redacted>], auth: basic(<redacted>, <redacted>), "
                + "signing: [<redacted>, <redacted> (file /run/secrets/whsec-old)], "
                + "tls: TLS(minimumVersion: 1.3, caFile: /etc/eventspool/ca.pem), eventFormat: binary, "
                + "maxConnections: 16, maxResponseBodyBytes: 65536, allowInsecureCredentials: false)"
        )
    }

    @Test func aSecretEchoedAcrossTheMessageCutIsRedactedToo() async throws {
        try await withTestBroker { broker in
            // The token starts a few bytes before the 512-byte cut of an error message: redacting what was
            // kept after the cut would no longer find it, and its first half would be stored.
            let prefix = "HTTP 401 from \(broker.url): "
            let padding = String(repeating: "x", count: AttemptError.maxMessageBytes - prefix.utf8.count - 17)
            broker.enqueue(.status(401, body: padding + "Bearer \(Self.token)"))
            let configuration = BrokerConfiguration(url: broker.url, auth: .bearer(token: .value(Self.token)))
            let result = try await WireTestSupport.withClient(configuration) { client in
                await client.deliver(Event(type: "t", source: "/s", text: "{}"))
            }
            let message = try #require(result.error?.message)
            #expect(message.hasPrefix(prefix + padding))
            #expect(!message.contains(Self.token.prefix(10)), "\(message)")  // "Bearer " and 10 bytes fit
        }
    }

    @Test func aBrokerEchoingCredentialsGetsThemRedacted() async throws {
        try await withTestBroker { broker in
            let signing = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            let basic = Data("\(Self.username):\(Self.password)".utf8).base64EncodedString()
            broker.enqueue(.status(401, body: "bad credentials \(basic) (\(Self.password)) signed with \(signing)"))
            let logs = InMemoryLogHandler()
            let configuration = BrokerConfiguration(
                url: broker.url,
                auth: .basic(username: Self.username, password: .value(Self.password)),
                signing: .init(secrets: [.value(signing)])
            )
            let result = try await WireTestSupport.withClient(
                configuration,
                logger: WireTestSupport.capturingLogger(logs)
            ) { client in
                await client.deliver(Event(type: "t", source: "/s", text: "{}"))
            }
            let message = try #require(result.error?.message)
            #expect(
                message == "HTTP 401 from \(broker.url): bad credentials <redacted> (<redacted>) signed with <redacted>"
            )
            let logged = WireTestSupport.text(of: logs)
            #expect(logged.contains("delivery attempt"))
            for secret in [Self.password, basic, signing, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
                #expect(!logged.contains(secret))
            }
        }
    }
}
