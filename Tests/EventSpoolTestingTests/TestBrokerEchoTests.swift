import NIOHTTP1
import Testing

@testable import EventSpoolTesting

/// The echoing behaviours of the test broker, and the leak check the security tests search their sinks with.
@Suite(.timeLimit(.minutes(1)))
struct TestBrokerEchoTests {
    @Test func echoRequestHeadersAnswersWithEveryHeaderAsEscapedJSON() async throws {
        try await withTestBroker { broker in
            broker.enqueue(.echoRequestHeaders(500))
            let response = try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                try await connection.exchange(headers: [("Authorization", "Basic YS/b+w==")], body: "{}")
            }
            #expect(response?.status == 500)
            #expect(response?.headers["Content-Type"] == ["application/json"])
            let body = try #require(response?.bodyText)
            #expect(body.hasPrefix(#"{"error":"rejected","headers":{"#), "\(body)")
            #expect(body.contains(#""Authorization":"Basic YS\/b+w==""#), "\(body)")
            #expect(!body.contains("\n"))
        }
    }

    @Test func anEchoIsMadeFromTheRequestEvenWhenRequestsAreNotRecordedAndAfterADelay() async throws {
        try await withTestBroker(configuration: .init(recordsRequests: false)) { broker in
            broker.enqueue(.delay(.milliseconds(1), then: .echo(401) { "got \($0.method) \($0.bodyText)" }))
            let response = try await LoopbackClient.withHTTPConnection(port: broker.port) { connection in
                try await connection.exchange(body: "ping")
            }
            #expect(response?.status == 401)
            #expect(response?.bodyText == "got POST ping")
            #expect(broker.requests.isEmpty)
        }
    }

    @Test func theLeakCheckFindsASecretInEachEncodingAndInPieces() {
        let secret = "tk/9+Qa=Zr4/Wm8"
        let check = SecretLeakCheck(secrets: [secret])
        for encoding in SecretEncoding.all {
            #expect(!check.leaks(in: "x \(encoding.apply(secret)) y").isEmpty, "\(encoding)")
        }
        let pieces = check.leaks(in: "the middle: 9+Qa=Zr4/ and nothing more")
        #expect(pieces.contains("characters 4–11 of secret 1 (plain)"), "\(pieces)")
        #expect(pieces.contains("characters 5–12 of secret 1 (plain)"), "\(pieces)")
        #expect(!pieces.contains("secret 1 (plain)"), "\(pieces)")
        #expect(check.leaks(in: "9+Qa=Zr") == [], "7 characters are not a piece")
        #expect(check.leaks(in: "Authorization: <redacted>") == [])
        #expect(SecretEncoding.jsonUnicodeUppercase.apply("a+b") == #"a\u002Bb"#)
        #expect(SecretEncoding.htmlNamed.apply("a/b=") == "a&sol;b&equals;")
        #expect(SecretEncoding.jsonTwice.apply("a/b") == #"a\\\/b"#)
        #expect(SecretEncoding.htmlDecimalWithoutSemicolon.apply("a/9") == "&#97&#47&#57")
        #expect(SecretEncoding.htmlHexWithoutSemicolon.apply("a/9") == "&#x61&#x2f&#x39")
    }
}
