import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import EventSpool

/// A broker that echoes what it was sent — its request headers in a JSON error body, escaped, percent-encoded,
/// wrapped, cut at the body limit — never gets a secret into an attempt's message, in any form.
@Suite(.timeLimit(.minutes(2)))
struct SecurityRedactionTests {
    static let token = "tk/9+Qa=Zr4/Wm8+Lx2="
    static let apiKey = "key+7/Tq=9xW/pL3"
    static let username = "billing-svc"
    static let password = "Pw/3+kQ=z9/Lr"

    /// Delivers one event with `configuration` and returns the attempt's message and everything logged.
    static func attempt(_ configuration: BrokerConfiguration) async throws -> (message: String, logged: String) {
        let logs = InMemoryLogHandler()
        let result = try await WireTestSupport.withClient(
            configuration,
            logger: WireTestSupport.capturingLogger(logs)
        ) { client in
            await client.deliver(Event(type: "t", source: "/s", text: "{}"))
        }
        let message = try #require(result.error?.message)
        return (message, WireTestSupport.text(of: logs))
    }

    @Test func urlCredentialsSentAsBasicAreRedactedInEveryForm() async throws {
        let fixtures = CredentialFixtures.self
        #expect(Data("\(fixtures.user):\(fixtures.password)".utf8).base64EncodedString() == fixtures.basic)
        try await withTestBroker { broker in
            broker.enqueue(.echoRequestHeaders(500))
            let (message, logged) = try await Self.attempt(
                BrokerConfiguration(url: CredentialFixtures.withUserinfo(broker.url))
            )

            // libcurl sent the URL's credentials, decoded, as Basic; the broker echoed them JSON-escaped.
            let request = try #require(broker.requests.first)
            #expect(request.header("authorization") == "Basic \(fixtures.basic)")
            #expect(message.hasPrefix("HTTP 500 from \(broker.url): {\"error\":\"rejected\""))
            #expect(message.contains(#""Authorization":"<redacted>""#) || message.contains("Basic <redacted>"))
            let check = SecretLeakCheck(secrets: fixtures.userinfoForms)
            #expect(check.leaks(in: message) == [], "\(message)")
            #expect(check.leaks(in: logged) == [], "\(logged)")
        }
    }

    @Test func aUserWithoutAPasswordIsRedactedAsLibcurlSendsIt() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.echoRequestHeaders(500))
            let url = broker.url.replacingOccurrences(of: "http://", with: "http://\(CredentialFixtures.userInURL)@")
            let (message, _) = try await Self.attempt(BrokerConfiguration(url: url))
            let sent = try #require(broker.requests.first?.header("authorization"))
            let blob = String(sent.dropFirst("Basic ".count))
            #expect(
                Data(base64Encoded: blob).map { String(decoding: $0, as: UTF8.self) } == "\(CredentialFixtures.user):"
            )
            let check = SecretLeakCheck(secrets: [CredentialFixtures.user, CredentialFixtures.userInURL, blob])
            #expect(check.leaks(in: message) == [], "\(message)")
        }
    }

    /// Every configured secret, echoed in each encoding a broker or a proxy may use.
    @Test(arguments: SecretEncoding.all)
    func echoedSecretsAreRedactedInEachEncoding(encoding: SecretEncoding) async throws {
        let basic = Data("\(Self.username):\(Self.password)".utf8).base64EncodedString()
        let urlSecrets = [CredentialFixtures.user, CredentialFixtures.password, CredentialFixtures.basic]
        try await withTestBroker { broker in
            for (auth, secrets) in [
                (BrokerConfiguration.Authentication.bearer(token: .value(Self.token)), [Self.token]),
                (
                    .basic(username: Self.username, password: .value(Self.password)),
                    [basic, Self.username, Self.password]
                ),
            ] {
                // The broker writes every secret this client sent or was configured with, in one encoding, on
                // one line.
                let echoed = secrets + [Self.apiKey] + urlSecrets
                broker.enqueue(
                    .echo(401) { _ in "denied " + echoed.map { "[\(encoding.apply($0))]" }.joined(separator: " ") }
                )
                let configuration = BrokerConfiguration(
                    url: CredentialFixtures.withUserinfo(broker.url),
                    headers: ["X-Api-Key": Self.apiKey],
                    auth: auth
                )
                let (message, logged) = try await Self.attempt(configuration)
                let check = SecretLeakCheck(secrets: echoed)
                #expect(check.leaks(in: message) == [], "\(auth), \(encoding): \(message)")
                #expect(check.leaks(in: logged) == [], "\(auth), \(encoding)")
                #expect(message.hasPrefix("HTTP 401 from \(broker.url): denied [<redacted>]"), "\(message)")
            }
        }
    }

    /// Cookies and API-key headers are lists of `name=value` parts (`sid=…; lang=en`, `key=…,region=eu`): a
    /// broker that echoes one value alone (`bad credential <sid>`) has it redacted, also one written
    /// percent-encoded in the header and echoed decoded, or quoted; values too short to be a secret (`en`, `eu`)
    /// are left alone, so that they do not blank out every answer.
    @Test func theValueOfANameValuePartOfAHeaderIsRedactedWhenEchoedAlone() async throws {
        let cookie = "CookieSecret0123456789"
        let apiKey = "ApiKeySecretABCDEFGH"
        let quoted = "QuotedSecret4567"
        let decoded = "c2lk+Yj/NA=="
        let headers = [
            "Cookie": "sid=\(cookie); lang=en; enc=c2lk%2BYj%2FNA%3D%3D",
            "X-Api-Key": "key=\(apiKey),region=eu",
            "X-Auth": "Token token=\"\(quoted)\", realm=x",
        ]
        try await withTestBroker { broker in
            let shortValues = "(lang=en, region=eu, realm=x)"
            for secret in [cookie, apiKey, quoted, decoded, "c2lk%2BYj%2FNA%3D%3D"] {
                broker.enqueue(.echo(400) { _ in "error: bad credential \(secret) \(shortValues)" })
                let (message, logged) = try await Self.attempt(BrokerConfiguration(url: broker.url, headers: headers))
                #expect(
                    message == "HTTP 400 from \(broker.url): error: bad credential <redacted> \(shortValues)",
                    "\(message)"
                )
                #expect(SecretLeakCheck(secrets: [secret]).leaks(in: logged) == [], "\(logged)")
            }
        }
    }

    @Test func signingSecretsAreRedactedAsConfiguredAndAsTheirKeysCanonicalBase64() async throws {
        // 33 key bytes whose base64 holds `+` and `/`; configured without padding... and with a
        // non-canonical last character, both of which decoders accept.
        let key = Data((0..<33).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) })
        let canonical = key.base64EncodedString()
        #expect(canonical.contains("+") || canonical.contains("/"))
        let urlSafe = canonical.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let secret = "whsec_" + canonical
        try await withTestBroker { broker in
            let forms = [secret, canonical, urlSafe, "whsec_" + urlSafe]
            broker.enqueue(
                .echo(401) { _ in
                    "bad signature " + forms.map { SecretEncoding.jsonSlash.apply($0) }.joined(separator: " ")
                }
            )
            let (message, _) = try await Self.attempt(
                BrokerConfiguration(url: broker.url, signing: .init(secrets: [.value(secret)]))
            )
            #expect(SecretLeakCheck(secrets: forms).leaks(in: message) == [], "\(message)")
        }
    }

    /// The body limit cuts an echoed secret after each of its characters in turn: what is left of it is never
    /// shown, nor a part of an escape that was cut.
    @Test(arguments: [SecretEncoding.plain, .jsonSlash, .percent, .jsonUnicode])
    func aSecretCutByTheBodyLimitLeavesNothingOfIt(encoding: SecretEncoding) async throws {
        let padding = "rejected: token="
        let echoed = encoding.apply(Self.token)
        try await withTestBroker { broker in
            for kept in 1..<echoed.utf8.count {
                broker.enqueue(.echo(401) { _ in padding + echoed + " and more" })
                let configuration = BrokerConfiguration(
                    url: broker.url,
                    maxResponseBodyBytes: padding.utf8.count + kept,
                    auth: .bearer(token: .value(Self.token))
                )
                let (message, _) = try await Self.attempt(configuration)
                #expect(
                    message == "HTTP 401 from \(broker.url): \(padding)<redacted>",
                    "\(encoding), \(kept) bytes kept"
                )
            }
        }
    }

    @Test func aLongEchoIsRedactedBeforeItIsCutToAMessage() async throws {
        try await withTestBroker { broker in
            // Secrets before, across and after the 512-byte cut of a message, in a body larger than it.
            let filler = String(repeating: "x", count: 490)
            broker.enqueue(
                .echo(401) { _ in
                    filler + " " + Self.token + " " + Self.token + " " + String(repeating: "y", count: 9000)
                }
            )
            let (message, _) = try await Self.attempt(
                BrokerConfiguration(url: broker.url, auth: .bearer(token: .value(Self.token)))
            )
            #expect(SecretLeakCheck(secrets: [Self.token], pieceLength: 4).leaks(in: message) == [], "\(message)")
            #expect(message.utf8.count <= AttemptError.maxMessageBytes)
        }
    }
}
