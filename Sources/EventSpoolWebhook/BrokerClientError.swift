/// A broker that cannot be used: its configuration is unusable (a bad URL, an unreadable or invalid secret,
/// an unreadable TLS file, a header that cannot be sent, credentials over plain http), or libcurl could not be
/// set up. The message names the configuration key or the libcurl option, never a secret.
public struct BrokerClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum so that codes can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConfiguration
            case transportUnavailable
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The broker configuration cannot be used as it is.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// libcurl could not be set up (an old libcurl refusing an option, no memory for a handle).
        public static let transportUnavailable = Code(.transportUnavailable)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// The broker's URL, credentials cut out.
    public let url: String
    /// What is wrong.
    public let message: String

    package init(url: String, message: String, code: Code = .invalidConfiguration) {
        self.code = code
        self.url = url
        self.message = message
    }

    public var description: String { "broker \(url): \(message)" }

    /// A short, bounded description fit for a metric label: `broker.<code>`.
    public var shortDescription: String { "broker.\(code)" }
}
