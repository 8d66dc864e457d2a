extension BrokerConfiguration {
    /// Standard Webhooks signing (https://www.standardwebhooks.com): on when at least one secret is
    /// configured.
    ///
    /// Every request then carries `webhook-id` (the event id), `webhook-timestamp` (the time of this
    /// attempt, unix seconds) and `webhook-signature` with one `v1,<base64 HMAC-SHA256>` per secret,
    /// space-separated, in the order configured. Configure the new secret and the old one together
    /// while consumers move over (rotation), then drop the old one.
    public struct Signing: Sendable, Hashable {
        /// The signing secrets, each `whsec_<base64 of 24 to 64 random bytes>`. A ``Secret/file(_:)``
        /// may hold several, separated by white space (one per line, say).
        public var secrets: [Secret]

        /// Creates a signing configuration; no secrets means no signature.
        public init(secrets: [Secret] = []) {
            self.secrets = secrets
        }

        /// No signature (the default).
        public static var none: Signing { Signing() }

        /// Whether requests are signed.
        package var isEnabled: Bool { !secrets.isEmpty }
    }
}

extension BrokerConfiguration.Signing: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `off`, or the secrets redacted: `[<redacted>, <redacted> (file /run/secrets/old)]`.
    public var description: String {
        isEnabled ? "\(secrets)" : "off"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: nil) }
}
