import Configuration
import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import EventSpool

/// Credentials never go in clear text over plain `http://` to another machine, unless a configuration says
/// so explicitly (`allowInsecureCredentials`).
@Suite(.timeLimit(.minutes(1)))
struct SecurityPlainHTTPTests {
    static let token = "tok-9d8c7b6a5f4e3d2c"
    static let password = "pw-77e1c0d3b2a9"

    /// Each way a credential can travel, with the words the refusal uses for it.
    static func credentials(url: String) -> [(BrokerConfiguration, String)] {
        let withUserinfo = url.replacingOccurrences(of: "://", with: "://ops-user:\(password)@")
        return [
            (BrokerConfiguration(url: withUserinfo), "the URL's user name and password"),
            (BrokerConfiguration(url: url, auth: .bearer(token: .value(token))), "auth (a bearer token)"),
            (BrokerConfiguration(url: url, auth: .basic(username: "ops", password: .value(password))), "auth (basic)"),
            (BrokerConfiguration(url: url, headers: ["X-Api-Key": token]), "the header 'X-Api-Key'"),
        ]
    }

    /// Hosts that may be another machine (and look-alikes of this one), then this machine or https.
    ///
    /// A name with a trailing dot is refused whatever it looks like: libcurl answers `localhost` and `*.localhost`
    /// itself and connects to an IP address as it is, but hands `localhost.`, `x.localhost.` and `127.0.0.1.` to
    /// the resolver, so DNS chooses where they go. `[::]` and `0.0.0.0` are "any address", not this machine;
    /// `[::127.0.0.1]` is an IPv4-compatible address, not a mapped one.
    static let refused = [
        "http://broker.example/events", "http://10.0.0.7:8080/events", "http://0.0.0.0/events", "http://[::2]/events",
        "http://128.0.0.1/events", "http://127.0.0.1.nip.io/events", "http://localhost.example.com/events",
        "HTTP://Broker.Example/events", "http://localhost./events", "http://LocalHost.:1/events",
        "http://x.localhost./events", "http://127.0.0.1./events", "http://127.0.0.1%2E/events",
        "http://2130706433./events", "http://0x7f.1./events", "http://[::]/events", "http://[::127.0.0.1]/events",
        "http://[::ffff:128.0.0.1]/events", "http://0x80.1/events", "http://2147483649/events", "http://0/events",
        "http://4294967296/events",
    ]
    /// This machine: `localhost` and `*.localhost`, 127.0.0.0/8 in every spelling libcurl reads as such
    /// (decimal, hex, octal, short forms), `::1` and `::ffff:127.0.0.0/104` in every IPv6 spelling.
    static let accepted = [
        "http://127.0.0.1:1/events", "http://127.45.6.7:1/events", "http://[::1]:1/events", "http://localhost:1/events",
        "http://LocalHost:1/events", "http://api.localhost:1/events", "http://[::ffff:127.0.0.1]:1/events",
        "http://[0:0::1]:1/events", "http://[0000:0000:0000:0000:0000:0000:0000:0001]:1/events",
        "http://[::FFFF:7f00:1]:1/events", "http://[::1%25lo]:1/events", "http://2130706433:1/events",
        "http://0x7f.1:1/events", "http://0177.0.0.1:1/events", "http://127.1:1/events",
        "http://0x7f000001:1/events", "https://broker.example/events",
    ]

    @Test(arguments: refused.map { ($0, false) } + accepted.map { ($0, true) })
    func credentialsGoInClearTextOnlyToThisMachine(url: String, isAccepted: Bool) async throws {
        for (configuration, what) in Self.credentials(url: url) {
            let error = await WireTestSupport.clientError(configuration)
            guard !isAccepted else {
                #expect(error == nil, "\(url): \(what)")
                continue
            }
            let refusal = try #require(error, "\(url): \(what) accepted")
            #expect(refusal.contains("would send \(what) in clear text"), "\(refusal)")
            #expect(refusal.contains("use https, or set allowInsecureCredentials"), "\(refusal)")
            // A host ending in a dot (`localhost./`, `LocalHost.:1`, `127.0.0.1%2E/`) is told why it is refused.
            let isFullyQualified = url.contains("./") || url.contains(".:") || url.contains("%2E")
            #expect(refusal.contains("a name ending in '.' is looked up in DNS") == isFullyQualified, "\(refusal)")
            let check = SecretLeakCheck(secrets: [Self.token, Self.password, "ops-user"])
            #expect(check.leaks(in: refusal) == [], "\(refusal)")
        }
    }

    /// The numeric spellings of 127.0.0.1 that the check accepts are this machine to libcurl too: a request
    /// sent to each, with its credentials, reaches the test broker on 127.0.0.1.
    @Test(arguments: ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x7f000001", "[::ffff:127.0.0.1]"])
    func numericSpellingsOfThisMachineReachIt(host: String) async throws {
        try await withTestBroker { broker in
            let configuration = BrokerConfiguration(
                url: "http://\(host):\(broker.port)/events",
                auth: .bearer(token: .value(Self.token))
            )
            let result = try await WireTestSupport.withClient(configuration) { client in
                await client.deliver(Event(type: "t", source: "/s", text: "{}"))
            }
            #expect(result.isDelivered, "\(host): \(result)")
            #expect(broker.requests.count == 1)
            #expect(broker.requests.first?.header("authorization") == "Bearer \(Self.token)")
        }
    }

    @Test func plainHTTPWithoutCredentialsOrWithOnlyASignatureIsAccepted() async throws {
        let url = "http://broker.example/events"
        #expect(await WireTestSupport.clientError(BrokerConfiguration(url: url)) == nil)
        let signed = BrokerConfiguration(
            url: url,
            signing: .init(secrets: [.value("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")])
        )
        // The signing secret never travels, only a signature of each request.
        #expect(await WireTestSupport.clientError(signed) == nil)
    }

    @Test func allowInsecureCredentialsAcceptsThemAndSaysSoOnce() async throws {
        for (configuration, what) in Self.credentials(url: "http://broker.example/events") {
            var configuration = configuration
            configuration.allowInsecureCredentials = true
            let logs = InMemoryLogHandler()
            _ = try await WireTestSupport.withClient(configuration, logger: WireTestSupport.capturingLogger(logs)) {
                _ in
            }
            let said = logs.entries.filter { "\($0.message)".contains("in clear text") }
            #expect(said.count == 1, "\(what): \(WireTestSupport.text(of: logs))")
            #expect(said.first?.level == .info)
            let metadata = "\(said.first?.metadata ?? [:])"
            #expect(metadata.contains("http://broker.example/events"), "\(metadata)")
            let check = SecretLeakCheck(secrets: [Self.token, Self.password, "ops-user"])
            #expect(check.leaks(in: WireTestSupport.text(of: logs)) == [])
        }
    }

    @Test func allowInsecureCredentialsIsAConfigurationKey() throws {
        func broker(_ allow: String?) throws -> BrokerConfiguration {
            var values: [AbsoluteConfigKey: ConfigValue] = [
                "broker.url": "http://broker.example/events", "spool.directory": "/tmp/spool",
            ]
            if let allow {
                values["broker.allowInsecureCredentials"] = ConfigValue(.bool(allow == "true"), isSecret: false)
            }
            return try Publisher.Configuration(config: ConfigReader(provider: InMemoryProvider(values: values))).broker
        }
        #expect(try broker(nil).allowInsecureCredentials == false)
        #expect(try broker("true").allowInsecureCredentials == true)
        #expect(try broker("false").allowInsecureCredentials == false)
        #expect(BrokerConfiguration(url: "http://x/").allowInsecureCredentials == false)
    }
}
