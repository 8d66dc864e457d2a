import Configuration
import EventSpoolTesting
import Testing

@testable import EventSpool

/// The configuration keys of auth, signing and TLS: read from a file's values and from the environment,
/// and refused with the full key — never the secret — when unusable.
@Suite struct SecurityConfigurationTests {
    static let token = "tok-2b7e151628aed2a6"

    func broker(_ values: [AbsoluteConfigKey: ConfigValue]) throws(ConfigurationError) -> BrokerConfiguration {
        var values = values
        values["broker.url"] = "https://broker.example/events"
        values["spool.directory"] = "/tmp/spool"
        return try Publisher.Configuration(config: ConfigReader(provider: InMemoryProvider(values: values))).broker
    }

    func secret(_ text: String) -> ConfigValue {
        ConfigValue(.string(text), isSecret: true)
    }

    @Test func everyKeyIsRead() throws {
        let bearer = try broker([
            "broker.auth.bearerTokenFile": secret("/run/secrets/token"),
            "broker.signing.secrets": ConfigValue(
                .stringArray([
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", " whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= ",
                ]),
                isSecret: true
            ),
            "broker.signing.secretsFile": secret("/run/secrets/whsec-old"),
            "broker.tls.caFile": "/etc/eventspool/ca.pem",
            "broker.tls.certificateFile": "/etc/eventspool/client.pem",
            "broker.tls.keyFile": "/etc/eventspool/client.key",
            "broker.tls.minimumVersion": "1.3",
        ])
        #expect(bearer.auth == .bearer(token: .file("/run/secrets/token")))
        #expect(
            bearer.signing.secrets == [
                .value("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                .value("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
                .file("/run/secrets/whsec-old"),
            ]
        )
        #expect(
            bearer.tls
                == BrokerConfiguration.TLS(
                    caFile: "/etc/eventspool/ca.pem",
                    certificateFile: "/etc/eventspool/client.pem",
                    keyFile: "/etc/eventspool/client.key",
                    minimumVersion: .v1_3
                )
        )

        let basic = try broker([
            "broker.auth.username": secret("svc-orders"),
            "broker.auth.passwordFile": secret("/run/secrets/password"),
            // Empty means not set, as in Config/eventspool.json.
            "broker.auth.bearerToken": secret(""),
        ])
        #expect(basic.auth == .basic(username: "svc-orders", password: .file("/run/secrets/password")))
        #expect(basic.signing == .none)
        #expect(basic.tls == .default)
    }

    @Test func theEnvironmentUsesUpperSnakeCase() throws {
        let environment = EnvironmentVariablesProvider(
            environmentVariables: [
                "EVENTSPOOL_BROKER_URL": "https://broker.example/events",
                "EVENTSPOOL_SPOOL_DIRECTORY": "/tmp/spool",
                "EVENTSPOOL_BROKER_AUTH_BEARER_TOKEN": Self.token,
                "EVENTSPOOL_BROKER_SIGNING_SECRETS":
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                "EVENTSPOOL_BROKER_TLS_CA_FILE": "/etc/eventspool/ca.pem",
                "EVENTSPOOL_BROKER_TLS_MINIMUM_VERSION": "1.3",
            ],
            secretsSpecifier: .all
        ).prefixKeys(with: "eventspool")
        let broker = try Publisher.Configuration(config: ConfigReader(provider: environment)).broker
        #expect(broker.auth == .bearer(token: .value(Self.token)))
        #expect(broker.signing.secrets.count == 2)
        #expect(broker.tls.caFile == "/etc/eventspool/ca.pem")
        #expect(broker.tls.minimumVersion == .v1_3)
    }

    @Test func unusableCombinationsNameTheFullKeyNeverTheSecret() {
        func error(_ values: [AbsoluteConfigKey: ConfigValue]) -> ConfigurationError? {
            do {
                _ = try broker(values)
                return nil
            } catch {
                return error
            }
        }
        let both = error([
            "broker.auth.bearerToken": secret(Self.token),
            "broker.auth.bearerTokenFile": secret("/run/secrets/token"),
        ])
        #expect(both?.key == "broker.auth.bearerToken")
        #expect(both?.description.contains("not both") == true)

        let mixed = error(["broker.auth.bearerToken": secret(Self.token), "broker.auth.username": secret("u")])
        #expect(mixed?.key == "broker.auth.bearerToken")

        #expect(error(["broker.auth.username": secret("u")])?.key == "broker.auth.password")
        #expect(error(["broker.auth.password": secret("p4ss-word")])?.key == "broker.auth.username")
        #expect(
            error(["broker.tls.minimumVersion": "1.1"])?.description.contains("expected 1.2 or 1.3, found '1.1'")
                == true
        )

        for found in [both, mixed] {
            #expect(found.map { !"\($0)".contains(Self.token) } == true, "a secret reached a message")
        }
    }

    /// URLs that cannot be used, with credentials in them: every message and description shows them masked,
    /// whatever made the URL unusable.
    @Test(arguments: CredentialFixtures.malformedURLs)
    func aMalformedURLIsShownWithoutItsCredentials(url: String) async throws {
        let check = SecretLeakCheck(secrets: CredentialFixtures.malformedURLSecrets)
        let reader = ConfigReader(
            provider: InMemoryProvider(values: [
                "broker.url": ConfigValue(.string(url), isSecret: false), "spool.directory": "/tmp/s",
            ])
        )
        var messages: [String] = [String(describing: BrokerConfiguration(url: url))]
        let read = Result { () throws(ConfigurationError) in try Publisher.Configuration(config: reader) }
        switch read {
        case .success(let configuration):
            let error = await WireTestSupport.clientError(configuration.broker)
            messages.append(try #require(error, "\(url) was accepted"))
        case .failure(let error):
            #expect(error.key == "broker.url")
            messages.append(error.description)
        }
        for message in messages {
            #expect(check.leaks(in: message) == [], "\(message)")
            #expect(!message.contains("\n"), "\(message)")
        }
    }
}
