import Configuration
import Testing

@testable import EventSpool

/// Every duration key is bounded when it is read: a value past its range is a ``ConfigurationError`` naming the
/// key and the range, never a value that overflows later (a `broker.timeout` of 1e14 days trapped in the
/// transport's milliseconds).
@Suite("configuration bounds")
struct ConfigurationBoundsTests {
    /// Every duration key with the longest value it takes.
    static let durationKeys: [(key: String, longest: String)] = [
        ("broker.connectTimeout", "1d"), ("broker.timeout", "1d"),
        ("secondaryBroker.connectTimeout", "1d"), ("secondaryBroker.timeout", "1d"),
        ("spool.staleTemporaryFileAge", "36500d"), ("publisher.shutdownTimeout", "1d"),
        ("circuitBreaker.breakDuration", "1d"),
        ("retry.baseDelay", "36500d"), ("retry.maxDelay", "36500d"), ("retry.maxAge", "36500d"),
        ("classification.maxRetryAfter", "36500d"), ("classification.defaultRetryAfter", "36500d"),
        ("sweeper.interval", "1d"), ("sweeper.alert.oldestPending", "36500d"),
    ]

    /// Reads the publisher's and the sweeper's configuration (between them every key) with `key` set to `value`.
    static func read(_ key: String, _ value: String) throws(ConfigurationError) {
        let reader = ConfigReader(
            provider: InMemoryProvider(values: [
                "broker.url": "http://127.0.0.1:9/events",
                "secondaryBroker.url": "http://127.0.0.1:9/second",
                "spool.directory": "/tmp/spool",
                AbsoluteConfigKey(ConfigKey(key)): ConfigValue(.string(value), isSecret: false),
            ])
        )
        _ = try Publisher.Configuration(config: reader)
        _ = try Sweeper.Configuration(config: reader)
    }

    @Test("a duration past its key's range is refused, naming the key and the range", arguments: durationKeys)
    func durationsAreBounded(_ key: String, _ longest: String) throws {
        for value in ["99999999999999d", "106751991167300d", "9223372036854775s"] {
            let error = #expect(throws: ConfigurationError.self, "\(key) = \(value)") {
                try Self.read(key, value)
            }
            #expect(error?.key == key)
            #expect(error?.found == "'\(value)'")
            #expect(error?.expected.contains("to \(longest)") == true, "\(String(describing: error))")
        }
        // The longest value is taken; a second more is not.
        try Self.read(key, longest)
        let over = #expect(throws: ConfigurationError.self) { try Self.read(key, longest + "1s") }
        #expect(over?.key == key)
    }
}
