import EventSpool

/// Every key the configuration readers know, with its type: the schema a `--config` file is checked
/// against, so that a typo or a wrong type is an error that names the key, never a silent default.
///
/// The meaning and the default of each key are documented on the readers (`init(config:)` in
/// `Sources/EventSpool/Configuration`), in `Config/eventspool.json` and in the README.
enum ConfigurationKeys {
    /// What a key's value must be in a JSON file.
    enum Kind: Sendable {
        case string
        case integer
        case number
        case boolean
        /// A string such as `5s` or a number of seconds.
        case duration
        case strings
        case integers

        var expected: String {
            switch self {
            case .string: "a string"
            case .integer: "a whole number"
            case .number: "a number"
            case .boolean: "true or false"
            case .duration: "a duration string such as \"250ms\", \"5s\", \"2m\", \"6h\", \"3d\" or a number of seconds"
            case .strings: "an array of strings"
            case .integers: "an array of whole numbers"
            }
        }
    }

    /// The keys of one broker (`broker.*`, `secondaryBroker.*`), relative to it.
    static let broker: [(String, Kind)] = [
        ("url", .string), ("connectTimeout", .duration), ("timeout", .duration), ("headers", .strings),
        ("maxConnections", .integer), ("maxResponseBodyBytes", .integer), ("eventFormat", .string),
        ("allowInsecureCredentials", .boolean),
        ("auth.bearerToken", .string), ("auth.bearerTokenFile", .string), ("auth.username", .string),
        ("auth.password", .string), ("auth.passwordFile", .string),
        ("signing.secrets", .strings), ("signing.secretsFile", .string),
        ("tls.caFile", .string), ("tls.certificateFile", .string), ("tls.keyFile", .string),
        ("tls.minimumVersion", .string),
    ]

    /// Every key, dotted, with its kind.
    static let all: [String: Kind] = {
        var keys: [String: Kind] = [:]
        for (name, kind) in broker {
            keys["broker." + name] = kind
            keys["secondaryBroker." + name] = kind
        }
        let others: [(String, Kind)] = [
            ("spool.directory", .string), ("spool.maxBytes", .integer), ("spool.maxObjects", .integer),
            ("spool.maxEventsPerObject", .integer), ("spool.staleTemporaryFileAge", .duration),
            ("spool.allowUnsafePermissions", .boolean),
            ("publisher.mode", .string), ("publisher.maxBodyBytes", .integer), ("publisher.shutdownTimeout", .duration),
            ("circuitBreaker.failureThreshold", .integer), ("circuitBreaker.breakDuration", .duration),
            ("retry.baseDelay", .duration), ("retry.multiplier", .number), ("retry.maxDelay", .duration),
            ("retry.jitter", .number), ("retry.maxAttempts", .integer), ("retry.maxAge", .duration),
            ("classification.retryableStatuses", .integers), ("classification.goneStatuses", .integers),
            ("classification.maxRetryAfter", .duration), ("classification.defaultRetryAfter", .duration),
            ("sweeper.concurrency", .integer), ("sweeper.circuitBreakerThreshold", .integer),
            ("sweeper.interval", .duration), ("sweeper.fallback", .string),
            ("sweeper.alert.oldestPending", .duration), ("sweeper.alert.pendingObjects", .number),
            ("sweeper.alert.pendingBytes", .number),
        ]
        for (key, kind) in others { keys[key] = kind }
        return keys
    }()

    /// The keys whose values are secret: never shown in messages or logs.
    static let secret: Set<String> = {
        let names = [
            "headers", "auth.bearerToken", "auth.bearerTokenFile", "auth.username", "auth.password",
            "auth.passwordFile", "signing.secrets", "signing.secretsFile",
        ]
        return Set(names.flatMap { ["broker." + $0, "secondaryBroker." + $0] })
    }()

    /// The objects that group keys (`broker`, `broker.auth`, `spool`, …): every dotted prefix of a key.
    static let scopes: Set<String> = Set(
        all.keys.flatMap { key in
            let components = key.split(separator: ".")
            return (1..<components.count).map { components[..<$0].joined(separator: ".") }
        }
    )

    /// The environment variable for `key`: `EVENTSPOOL_` and the key in upper snake case,
    /// `broker.connectTimeout` → `EVENTSPOOL_BROKER_CONNECT_TIMEOUT` (as swift-configuration maps it).
    static func environmentVariable(for key: String) -> String {
        var name = "EVENTSPOOL"
        for component in key.split(separator: ".") {
            name += "_"
            var previousIsLower = false
            for character in component {
                if previousIsLower && character.isUppercase { name += "_" }
                name += character.isLetter || character.isNumber ? character.uppercased() : "_"
                previousIsLower = character.isLowercase
            }
        }
        return name
    }

    /// The known key closest to `key` when it is a likely typo of it.
    static func suggestion(for key: String) -> String? {
        Spelling.closest(to: key, among: all.keys)
    }

    /// The known variable closest to the environment variable `name` when it is a likely typo of it.
    static func suggestion(forVariable name: String) -> String? {
        Spelling.closest(to: name, among: all.keys.map(environmentVariable(for:)))
    }
}
