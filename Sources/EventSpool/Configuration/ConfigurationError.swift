/// A configuration value that cannot be used: it names the key, what was found and what was expected.
///
/// The readers (`init(config:)`) throw it with the key relative to the scope they read; each enclosing
/// reader prefixes its scope, so the key a person sees is the full dotted key, such as `broker.timeout`.
/// A command-line tool adds where the value came from (``source``).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum so that codes can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case missing
            case invalid
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A required key has no value.
        public static let missing = Code(.missing)
        /// The key has a value that cannot be used.
        public static let invalid = Code(.invalid)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// The dotted key, for example `retry.maxDelay`.
    public private(set) var key: String
    /// What was found, already quoted for a message (`'-5s'`, `a number`; never a secret value); `nil` when the
    /// key is missing.
    public let found: String?
    /// What a valid value looks like, for example `a duration such as 250ms, 5s, 2m, 6h or 3d`.
    public let expected: String
    /// Where the value came from, for example `/etc/eventspool/eventspool.json` or
    /// `environment variable EVENTSPOOL_RETRY_MAX_DELAY`; set by the tool that knows.
    public package(set) var source: String?

    /// An unusable value of `key` (``Code/invalid``), or a required key without one (``Code/missing``) when
    /// nothing was `found`.
    package init(key: String, found: String?, expected: String, source: String? = nil) {
        self.code = found == nil ? .missing : .invalid
        self.key = key
        self.found = found
        self.expected = expected
        self.source = source
    }

    /// The same error with `scope` put in front of its key: `timeout` becomes `broker.timeout`.
    package func prefixed(with scope: String) -> ConfigurationError {
        var copy = self
        copy.key = scope + "." + key
        return copy
    }

    public var description: String {
        var text = "configuration key '\(key)'"
        if let source { text += " in \(source)" }
        if let found {
            text += ": expected \(expected), found \(found)"
        } else {
            text += ": expected \(expected)"
        }
        return text
    }

    /// A short, bounded description fit for a metric label: `configuration.missing` or `configuration.invalid`.
    public var shortDescription: String { "configuration.\(code)" }
}
