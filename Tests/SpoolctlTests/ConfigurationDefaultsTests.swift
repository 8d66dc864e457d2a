import Configuration
import EventSpool
import EventSpoolTesting
import Foundation
import Synchronization
import SystemPackage
import TestSupport
import Testing

/// `Config/eventspool.json` lists every key with the code's default, and the readers read exactly its keys;
/// `broker.url`, which has no default, is empty, so that nothing is sent until an operator sets it.
@Suite("Config/eventspool.json")
struct ConfigurationDefaultsTests {
    static let samplePath = BuiltExecutable.packageRoot.appendingPathComponent("Config/eventspool.json").path

    /// Records every key a reader asks for.
    final class KeyRecorder: AccessReporter {
        let keys = Mutex(Set<String>())

        func report(_ event: AccessEvent) {
            let key = event.metadata.key.components.joined(separator: ".")
            keys.withLock { _ = $0.insert(key) }
        }
    }

    private static func sampleReader(reporter: KeyRecorder? = nil) async throws -> ConfigReader {
        ConfigReader(
            provider: try await FileProvider<JSONSnapshot>(filePath: FilePath(samplePath)),
            accessReporter: reporter
        )
    }

    @Test("its values are the code's defaults")
    func valuesAreDefaults() async throws {
        // broker.url has no default: the file leaves it empty, and the readers refuse it so.
        let sample = try await Self.sampleReader()
        let unset = #expect(throws: ConfigurationError.self) { try Publisher.Configuration(config: sample) }
        #expect(unset?.key == "broker.url")
        #expect(unset?.found == "an empty value")
        #expect(throws: ConfigurationError.self) { try Sweeper.Configuration(config: sample) }

        let reader = ConfigReader(providers: [
            InMemoryProvider(values: ["broker.url": "https://broker.example/events"]),
            try await FileProvider<JSONSnapshot>(filePath: FilePath(Self.samplePath)),
        ])
        let publisher = try Publisher.Configuration(config: reader)
        let broker = BrokerConfiguration(url: "https://broker.example/events")
        let spool = SpoolConfiguration(directory: "/var/spool/eventspool")
        #expect(publisher == Publisher.Configuration(broker: broker, spool: spool))

        let sweeper = try Sweeper.Configuration(config: reader)
        let defaults = Sweeper.Configuration(broker: broker, spool: spool)
        #expect(sweeper.broker == defaults.broker)
        #expect(sweeper.secondaryBroker == nil)
        #expect(sweeper.spool == defaults.spool)
        #expect(sweeper.retry == defaults.retry)
        #expect(sweeper.classification == defaults.classification)
        #expect(sweeper.fallback == defaults.fallback)
        #expect(sweeper.concurrency == defaults.concurrency)
        #expect(sweeper.circuitBreakerThreshold == defaults.circuitBreakerThreshold)
        #expect(sweeper.interval == defaults.interval)
        #expect(sweeper.alert == defaults.alert)
    }

    @Test("broker.url is unset in it: sweep, replay and publish with it exit 78 naming the key and the file")
    func brokerURLUnset() async throws {
        try await withTemporaryDirectory { directory in
            let spool = directory.path + "/spool"
            let commands = [
                ["sweep"], ["replay", "--all"],
                ["publish", "--type", "com.example.test", "--source", "/tests", "--data", "{}"],
            ]
            for command in commands {
                let result = try await BuiltExecutable.run(
                    "spoolctl",
                    command + ["--config", Self.samplePath, "--spool-dir", spool]
                )
                #expect(result.status == 78, "\(command): \(result)")
                #expect(result.stderr.contains("'broker.url'"), "\(command): \(result)")
                #expect(result.stderr.contains(Self.samplePath), "\(command): \(result)")
                #expect(result.stderr.contains("empty"), "\(command): \(result)")
                #expect(result.stdout.isEmpty, "\(command): \(result)")
            }
            // It failed before touching the spool.
            #expect(!FileManager.default.fileExists(atPath: spool))

            // With broker.url given, the same file sweeps.
            try await SpoolFixture.put(events: 1, into: spool)
            try await withTestBroker { broker in
                let swept = try await BuiltExecutable.run(
                    "spoolctl",
                    ["sweep", "--config", Self.samplePath, "--spool-dir", spool],
                    environment: ["EVENTSPOOL_BROKER_URL": broker.url]
                )
                #expect(swept.status == 0, "\(swept)")
                #expect(try await broker.waitForRequests(count: 1).count == 1)
            }
        }
    }

    @Test("the readers read every key in it and in the schema, and no other")
    func readersReadEveryKey() async throws {
        let recorder = KeyRecorder()
        // Broker URLs (the file leaves both unset), so that every key of both brokers is read; the S3 backend
        // with its endpoint and bucket, so that every key of the object store is read.
        let reader = ConfigReader(
            providers: [
                InMemoryProvider(values: [
                    "broker.url": "https://broker.example/events",
                    "secondaryBroker.url": "https://broker-2.example/events",
                    "spool.backend": "s3",
                    "spool.s3.endpoint": "http://127.0.0.1:8333",
                    "spool.s3.bucket": "events",
                ]),
                try await FileProvider<JSONSnapshot>(filePath: FilePath(Self.samplePath)),
            ],
            accessReporter: recorder
        )
        _ = try Publisher.Configuration(config: reader)
        _ = try Sweeper.Configuration(config: reader)

        let data = try Data(contentsOf: URL(fileURLWithPath: Self.samplePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        // Dotted keys of the leaves: objects nest (`broker.tls.caFile`).
        func keys(_ members: [String: Any], prefix: String) -> [String] {
            members.flatMap { name, value in
                (value as? [String: Any]).map { keys($0, prefix: prefix + name + ".") } ?? [prefix + name]
            }
        }
        let fileKeys = Set(keys(root, prefix: ""))
        #expect(recorder.keys.withLock { $0 } == fileKeys)
        // And they are the schema's keys, no more, no fewer.
        #expect(recorder.keys.withLock { $0 } == Set(ConfigurationSchema.keys.map(\.path)))
    }

    @Test("the readers parse headers and the event format, and name the full key of a bad value")
    func readerValues() throws {
        let good = ConfigReader(
            provider: InMemoryProvider(values: [
                "broker.url": "https://broker.example/events",
                "broker.headers": ConfigValue(
                    .stringArray(["Authorization: Bearer s3cret", "X-Team:  orders "]),
                    isSecret: true
                ),
                "broker.eventFormat": "structured",
                "spool.directory": "/tmp/spool",
                "retry.maxDelay": "1h30m",
                "classification.retryableStatuses": ConfigValue(.stringArray(["503", " 429"]), isSecret: false),
            ])
        )
        let configuration = try Publisher.Configuration(config: good)
        #expect(configuration.broker.headers == ["Authorization": "Bearer s3cret", "X-Team": "orders"])
        #expect(configuration.broker.eventFormat == .structured)
        #expect(configuration.retry.maxDelay == .seconds(5400))
        #expect(configuration.classification.retryableStatuses == [503, 429])

        let badHeader = ConfigReader(
            provider: InMemoryProvider(values: [
                "broker.url": "https://broker.example/events",
                "broker.headers": ConfigValue(.stringArray(["Bad Name: s3cret"]), isSecret: true),
                "spool.directory": "/tmp/spool",
            ])
        )
        let error = #expect(throws: ConfigurationError.self) { try Publisher.Configuration(config: badHeader) }
        #expect(error?.key == "broker.headers")
        #expect(error.map { !"\($0)".contains("s3cret") } == true, "a secret reached a message")

        let badURL = ConfigReader(
            provider: InMemoryProvider(values: ["broker.url": "ftp://x", "spool.directory": "/tmp/spool"])
        )
        #expect(throws: ConfigurationError.self) { try Sweeper.Configuration(config: badURL) }
    }

    @Test("durations read as people write them")
    func durations() throws {
        #expect(Duration(text: "250ms") == .milliseconds(250))
        #expect(Duration(text: "5s") == .seconds(5))
        #expect(Duration(text: "2m") == .seconds(120))
        #expect(Duration(text: "6h") == .seconds(6 * 3600))
        #expect(Duration(text: "3d") == .seconds(3 * 86_400))
        #expect(Duration(text: "1h30m") == .seconds(5400))
        #expect(Duration(text: "1.5") == .milliseconds(1500))
        #expect(Duration(text: Duration.seconds(8100).shortDescription) == .seconds(8100))
        for bad in ["-5s", "", "5x", "s", "5 s s", "-1", "nan", "1e400"] {
            #expect(Duration(text: bad) == nil, "\(bad)")
        }
    }
}
