import Configuration
import Foundation
import Logging
import TestSupport
import Testing

@testable import EventSpool

/// The opaque codes of the public error types: what a caller switches on, and the bounded metric label.
@Suite struct ErrorCodeTests {
    func publisherConfiguration(_ values: [AbsoluteConfigKey: ConfigValue]) throws(ConfigurationError) {
        _ = try Publisher.Configuration(config: ConfigReader(provider: InMemoryProvider(values: values)))
    }

    @Test func aRequiredKeyWithoutAValueIsMissing() {
        #expect {
            try publisherConfiguration(["spool.directory": "/tmp/spool"])
        } throws: { error in
            let error = try #require(error as? ConfigurationError)
            return error.code == .missing && error.key == "broker.url"
                && error.shortDescription == "configuration.missing"
        }
    }

    @Test func aValueThatCannotBeUsedIsInvalid() {
        #expect {
            try publisherConfiguration([
                "broker.url": "https://broker.example/events", "spool.directory": "/tmp/spool",
                "broker.timeout": "-5s",
            ])
        } throws: { error in
            let error = try #require(error as? ConfigurationError)
            return error.code == .invalid && error.key == "broker.timeout" && error.found == "'-5s'"
                && error.shortDescription == "configuration.invalid"
        }
    }

    @Test func aBrokerWhoseConfigurationCannotBeUsedSaysSo() {
        #expect {
            try Broker(
                configuration: BrokerConfiguration(url: "ftp://127.0.0.1/events"),
                logger: quietLogger
            )
        } throws: { error in
            let error = try #require(error as? BrokerClientError)
            return error.code == .invalidConfiguration && error.shortDescription == "broker.invalidConfiguration"
                && error.url == "ftp://127.0.0.1/events"
        }
    }
}
