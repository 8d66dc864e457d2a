import EventSpoolModel
import EventSpoolStorage

/// A configuration value that cannot be used: it names the key, what was found and what was expected.
///
/// The readers (`init(config:)`) throw it with the key relative to the scope they read; each enclosing
/// reader prefixes its scope (``prefixed(with:)``), so the key a person sees is the full dotted key,
/// such as `broker.timeout`. A command-line tool adds where the value came from (``source``).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The dotted key, for example `retry.maxDelay`.
    public var key: String
    /// What was found, already quoted for a message (`'-5s'`, `a number`); `nil` when the key is missing
    /// or its value is secret and must not be shown.
    public var found: String?
    /// What a valid value looks like, for example `a duration such as 250ms, 5s, 2m, 6h or 3d`.
    public var expected: String
    /// Where the value came from, for example `/etc/eventspool/eventspool.json` or
    /// `environment variable EVENTSPOOL_RETRY_MAX_DELAY`; set by the tool that knows.
    public var source: String?

    public init(key: String, found: String?, expected: String, source: String? = nil) {
        self.key = key
        self.found = found
        self.expected = expected
        self.source = source
    }

    /// The same error with `scope` put in front of its key: `timeout` becomes `broker.timeout`.
    public func prefixed(with scope: String) -> ConfigurationError {
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

    /// A short, bounded description fit for a metric label: `configuration.invalid`.
    public var shortDescription: String { "configuration.invalid" }
}
