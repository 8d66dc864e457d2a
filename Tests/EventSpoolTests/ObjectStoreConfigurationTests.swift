import Configuration
import EventSpoolTesting
import Foundation
import InMemoryLogging
import Logging
import TestSupport
import Testing

@testable import EventSpool

/// `spool.backend: s3` and the keys of `spool.s3.*`: read from values and the environment (with the `AWS_*`
/// fallbacks), refused with the full key when unusable, and never showing a secret.
@Suite struct ObjectStoreConfigurationTests {
    static let secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
    static let sessionToken = "FwoGZXIvYXdzEBYaDFAKETOKEN/only+for=tests"
    static let accessKeyID = "AKIAIOSFODNN7EXAMPLE"

    static func secret(_ text: String) -> ConfigValue { ConfigValue(.string(text), isSecret: true) }

    /// The spool configuration read from `values` (with a broker URL and, unless given, `backend: s3`, an
    /// endpoint, a bucket and a directory), and `environment` as the process's.
    static func spool(
        _ values: [AbsoluteConfigKey: ConfigValue],
        environment: [String: String] = [:]
    ) throws(ConfigurationError) -> SpoolConfiguration {
        var all: [AbsoluteConfigKey: ConfigValue] = [
            "spool.backend": "s3", "spool.directory": "/var/spool/eventspool",
            "spool.s3.endpoint": "http://127.0.0.1:8333", "spool.s3.bucket": "events",
        ]
        all.merge(values) { $1 }
        let config = ConfigReader(provider: InMemoryProvider(values: all))
        return try config.reading(.spool) { config throws(ConfigurationError) in
            try SpoolConfiguration(config: config, environment: environment)
        }
    }

    static func error(
        _ values: [AbsoluteConfigKey: ConfigValue],
        environment: [String: String] = [:]
    ) -> ConfigurationError? {
        do {
            _ = try spool(values, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyKeyIsReadAndTheDefaultsAreTheStructs() throws {
        let defaults = try #require(try Self.spool([:]).objectStore)
        #expect(defaults == SpoolConfiguration.ObjectStore(endpoint: "http://127.0.0.1:8333", bucket: "events"))
        #expect(defaults.region == "us-east-1" && defaults.prefix == "" && defaults.pathStyle)
        #expect(defaults.leaseDuration == .seconds(30) && defaults.hostID == nil && defaults.credentials == nil)

        let spool = try Self.spool([
            "spool.s3.region": "eu-central-1", "spool.s3.prefix": "orders/eu-1/",
            "spool.s3.accessKeyId": Self.secret(Self.accessKeyID),
            "spool.s3.secretAccessKey": Self.secret(Self.secretKey),
            "spool.s3.sessionToken": Self.secret(Self.sessionToken),
            "spool.s3.pathStyle": false, "spool.s3.timeout": "90s", "spool.s3.leaseDuration": "45s",
            "spool.s3.hostId": "host-7",
            "spool.s3.tls.caFile": "/etc/eventspool/s3-ca.pem", "spool.s3.tls.minimumVersion": "1.3",
        ])
        let store = try #require(spool.objectStore)
        #expect(spool.directory == "/var/spool/eventspool")
        #expect(store.region == "eu-central-1" && store.prefix == "orders/eu-1/" && !store.pathStyle)
        #expect(store.leaseDuration == .seconds(45) && store.hostID == "host-7" && store.timeout == .seconds(90))
        #expect(store.tls == TLSConfiguration(caFile: "/etc/eventspool/s3-ca.pem", minimumVersion: .v1_3))
        #expect(
            store.credentials
                == .init(
                    accessKeyID: Self.accessKeyID,
                    secretAccessKey: Self.secretKey,
                    sessionToken: Self.sessionToken
                )
        )
        #expect(try Self.spool(["spool.backend": "directory"]).objectStore == nil, "s3 keys are read only for s3")
    }

    @Test func theEnvironmentNamesAreTheSchemasAndTheAWSVariablesAreTheFallback() throws {
        let environment = EnvironmentVariablesProvider(
            environmentVariables: [
                "EVENTSPOOL_BROKER_URL": "https://broker.example/events",
                "EVENTSPOOL_SPOOL_DIRECTORY": "",
                "EVENTSPOOL_SPOOL_BACKEND": "s3",
                "EVENTSPOOL_SPOOL_S3_ENDPOINT": "https://s3.example",
                "EVENTSPOOL_SPOOL_S3_BUCKET": "events",
                "EVENTSPOOL_SPOOL_S3_ACCESS_KEY_ID": Self.accessKeyID,
                "EVENTSPOOL_SPOOL_S3_SECRET_ACCESS_KEY": Self.secretKey,
                "EVENTSPOOL_SPOOL_S3_TLS_KEY_FILE": "/etc/eventspool/client.key",
            ],
            secretsSpecifier: .all
        ).prefixKeys(with: "eventspool")
        let spool = try Publisher.Configuration(config: ConfigReader(provider: environment)).spool
        #expect(spool.directory == "", "with an object store an empty directory turns the last resort off")
        #expect(spool.objectStore?.credentials?.secretAccessKey == Self.secretKey)
        #expect(spool.objectStore?.tls.keyFile == "/etc/eventspool/client.key")

        let aws = [
            "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT", "AWS_SECRET_ACCESS_KEY": Self.secretKey,
            "AWS_SESSION_TOKEN": Self.sessionToken,
        ]
        #expect(
            try Self.spool([:], environment: aws).objectStore?.credentials
                == .init(
                    accessKeyID: "AKIAENVIRONMENT",
                    secretAccessKey: Self.secretKey,
                    sessionToken: Self.sessionToken
                )
        )
        // Configured credentials win, whole: no token from the environment joins them.
        let configured = try Self.spool(
            [
                "spool.s3.accessKeyId": Self.secret(Self.accessKeyID),
                "spool.s3.secretAccessKey": Self.secret("s3cr3t-k3y"),
            ],
            environment: aws
        )
        #expect(
            configured.objectStore?.credentials == .init(accessKeyID: Self.accessKeyID, secretAccessKey: "s3cr3t-k3y")
        )
        let half = Self.error([:], environment: ["AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT"])
        #expect(half?.key == "spool.s3.secretAccessKey")
        #expect(half?.description.contains("AWS_SECRET_ACCESS_KEY is not") == true, "\(String(describing: half))")
    }

    @Test func unusableValuesNameTheFullKey() {
        #expect(Self.error(["spool.s3.endpoint": ""])?.key == "spool.s3.endpoint")
        #expect(Self.error(["spool.s3.endpoint": "ftp://127.0.0.1"])?.key == "spool.s3.endpoint")
        #expect(Self.error(["spool.s3.bucket": ""])?.key == "spool.s3.bucket")
        #expect(Self.error(["spool.backend": "bucket"])?.key == "spool.backend")
        for prefix in ["/leading", "a//b", "a/../b", "spaces in it", "colon:"] {
            let error = Self.error(["spool.s3.prefix": ConfigValue(.string(prefix), isSecret: false)])
            #expect(error?.key == "spool.s3.prefix", "\(prefix)")
        }
        #expect(Self.error(["spool.s3.leaseDuration": "5s"])?.key == "spool.s3.leaseDuration")
        #expect(Self.error(["spool.s3.leaseDuration": "2h"])?.key == "spool.s3.leaseDuration")
        #expect(Self.error(["spool.s3.timeout": "6m"])?.key == "spool.s3.timeout", "more than S3Spool accepts")
        #expect(Self.error(["spool.s3.accessKeyId": Self.secret(Self.accessKeyID)])?.key == "spool.s3.secretAccessKey")
        #expect(Self.error(["spool.s3.secretAccessKey": Self.secret(Self.secretKey)])?.key == "spool.s3.accessKeyId")
        #expect(Self.error(["spool.s3.sessionToken": Self.secret(Self.sessionToken)])?.key == "spool.s3.accessKeyId")
        // An empty directory is no last resort with s3, and still an error without it.
        #expect(Self.error(["spool.directory": ""]) == nil)
        #expect(Self.error(["spool.directory": "", "spool.backend": "directory"])?.key == "spool.directory")
        #expect(Self.error(["spool.directory": .init(.string(""), isSecret: false), "spool.backend": "s3"]) == nil)
    }

    @Test func theSecretFileIsReadBoundedAndItsErrorsShowNoSecret() async throws {
        try await withTemporaryDirectory { url in
            let directory = url.path
            let file = directory + "/s3-secret"
            try Data((Self.secretKey + "\n").utf8).write(to: URL(fileURLWithPath: file))
            chmod(file, 0o600)
            let values: [AbsoluteConfigKey: ConfigValue] = [
                "spool.s3.accessKeyId": Self.secret(Self.accessKeyID),
                "spool.s3.secretAccessKeyFile": Self.secret(file),
            ]
            let credentials = try #require(try Self.spool(values).objectStore?.credentials)
            #expect(credentials.secretAccessKey == Self.secretKey, "trailing newline trimmed")
            #expect(credentials.fileWarnings.isEmpty)

            chmod(file, 0o644)
            let exposed = try #require(try Self.spool(values).objectStore?.credentials)
            #expect(exposed.fileWarnings.first?.contains("readable by") == true, "\(exposed.fileWarnings)")

            // The broker's bounds: more than 64 KiB is no secret, and a folder is no file.
            let large = directory + "/large"
            try Data(repeating: UInt8(ascii: "k"), count: 64 * 1024 + 1).write(to: URL(fileURLWithPath: large))
            for (path, words) in [
                (large, "larger than"), (directory, "not a regular file"), (file + ".gone", "cannot open"),
            ] {
                var failing = values
                failing["spool.s3.secretAccessKeyFile"] = Self.secret(path)
                let error = Self.error(failing)
                #expect(error?.key == "spool.s3.secretAccessKeyFile")
                #expect(error?.description.contains(words) == true, "\(String(describing: error))")
            }
            var both = values
            both["spool.s3.secretAccessKey"] = Self.secret(Self.secretKey)
            let twice = Self.error(both)
            #expect(twice?.key == "spool.s3.secretAccessKey")
            #expect(twice.map { SecretLeakCheck(secrets: [Self.secretKey]).leaks(in: "\($0)") } == [])
        }
    }

    @Test func noSecretReachesADescriptionAnErrorOrALog() async throws {
        let check = SecretLeakCheck(secrets: [Self.secretKey, Self.sessionToken])
        let spool = try Self.spool([
            "spool.s3.accessKeyId": Self.secret(Self.accessKeyID),
            "spool.s3.secretAccessKey": Self.secret(Self.secretKey),
            "spool.s3.sessionToken": Self.secret(Self.sessionToken),
        ])
        let broker = BrokerConfiguration(url: "https://broker.example/events")
        let publisher = Publisher.Configuration(broker: broker, spool: spool)
        var texts = ["\(spool)", "\(String(reflecting: spool))", "\(publisher)"]
        var dumped = ""
        dump(publisher, to: &dumped)
        texts.append(dumped)

        // A publisher given the spool with other credentials refuses, naming them without their values.
        let logs = InMemoryLogHandler()
        let logger = Logger.recording(into: logs)
        let opened = try spool.open(logger: logger)
        var other = spool
        other.objectStore?.credentials?.secretAccessKey = "an0ther-s3cr3t-k3y"
        let refused = #expect(throws: ConfigurationError.self) {
            try Publisher(configuration: .init(broker: broker, spool: other), spool: opened, logger: logger)
        }
        #expect(refused?.description.contains("other s3 credentials") == true, "\(String(describing: refused))")
        texts.append("\(String(describing: refused))")
        var otherBucket = spool
        otherBucket.objectStore?.bucket = "other-bucket"
        var noStore = spool
        noStore.objectStore = nil
        var otherTimeout = spool
        otherTimeout.objectStore?.timeout = .seconds(7)
        let others = [
            (otherBucket, "s3.bucket 'other-bucket'"), (otherTimeout, "s3.timeout '7.0 seconds'"),
            (noStore, "backend 'directory'"),
        ]
        for (configuration, words) in others {
            let error = #expect(throws: ConfigurationError.self) {
                try Sweeper(configuration: .init(broker: broker, spool: configuration), spool: opened, logger: logger)
            }
            #expect(error?.description.contains(words) == true, "\(String(describing: error))")
            texts.append("\(String(describing: error))")
        }
        texts.append(opened.location)
        await opened.shutdown()
        texts += logs.entries.map { "\($0.message) \($0.metadata)" }

        for text in texts {
            #expect(check.leaks(in: text).isEmpty, "\(text)")
        }
        #expect(!texts.joined().contains("an0ther-s3cr3t-k3y"))
    }
}
