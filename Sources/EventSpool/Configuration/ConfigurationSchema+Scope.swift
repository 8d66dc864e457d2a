import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

extension ConfigurationSchema {
    /// A group of keys read by one reader (`broker`, `broker.auth`, `sweeper.alert`) and the scopes inside it.
    package struct Scope: Sendable {
        /// One key of the scope, by its name relative to the scope.
        package struct Entry: Sendable {
            package let name: String
            package let definition: Definition
        }

        /// The scope's name relative to its parent: `auth`.
        package let name: String
        package let entries: [Entry]
        package let scopes: [Scope]
        /// Set for a scope whose keys are those of another (`secondaryBroker`): what it is, in one line.
        package let summary: String?

        init<Keys: ConfigurationKeySet>(_ name: String, _ keys: Keys.Type, scopes: [Scope] = []) {
            self.name = name
            self.entries = keys.allCases.map { Entry(name: $0.rawValue, definition: $0.definition) }
            self.scopes = scopes
            self.summary = nil
        }

        init(_ name: String, repeating other: Scope, summary: String) {
            self.name = name
            self.entries = other.entries
            self.scopes = other.scopes
            self.summary = summary
        }

        init(root scopes: [Scope]) {
            self.name = ""
            self.entries = []
            self.scopes = scopes
            self.summary = nil
        }

        /// The scope's keys with their full paths, then those of the scopes inside it.
        package func keys(under parent: String) -> [Key] {
            let prefix = name.isEmpty ? parent : parent + name + "."
            return entries.map { Key(path: prefix + $0.name, definition: $0.definition) }
                + scopes.flatMap { $0.keys(under: prefix) }
        }
    }

    /// The dotted path of `key` in `scope`, a scope of the root: `spool.directory`.
    package static func path(_ scope: Scope, _ key: some ConfigurationKeySet) -> String {
        scope.name + "." + key.rawValue
    }

    /// The configuration's scopes, from its root.
    package static let root = Scope(
        root: [.broker, .secondaryBroker, .spool, .publisher, .circuitBreaker, .retry, .classification, .sweeper]
    )
}

extension ConfigurationSchema.Scope {
    package static let broker = Self("broker", BrokerConfiguration.Key.self, scopes: [.auth, .signing, .tls])
    package static let secondaryBroker = Self(
        "secondaryBroker",
        repeating: .broker,
        summary: "The same keys for a broker tried after the first; none while its `url` is empty"
    )
    package static let auth = Self("auth", BrokerConfiguration.Authentication.Key.self)
    package static let signing = Self("signing", BrokerConfiguration.Signing.Key.self)
    package static let tls = Self("tls", BrokerConfiguration.TLS.Key.self)
    package static let spool = Self("spool", SpoolConfiguration.Key.self, scopes: [.s3])
    package static let s3 = Self("s3", SpoolConfiguration.ObjectStore.Key.self, scopes: [.tls])
    package static let publisher = Self("publisher", Publisher.Configuration.Key.self)
    package static let circuitBreaker = Self("circuitBreaker", CircuitBreakerConfiguration.Key.self)
    package static let retry = Self("retry", RetryPolicy.Key.self)
    package static let classification = Self("classification", DeliveryClassification.Key.self)
    package static let sweeper = Self("sweeper", Sweeper.Configuration.Key.self, scopes: [.alert])
    package static let alert = Self("alert", SweepAlert.Thresholds.Key.self)
}
