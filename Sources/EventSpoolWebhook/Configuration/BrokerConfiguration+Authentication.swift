extension BrokerConfiguration {
    /// How requests authenticate to the broker: an `Authorization` header added at send time.
    ///
    /// The credentials are never written into a spool object and never logged; the description of an
    /// authentication shows only its scheme.
    public struct Authentication: Sendable, Hashable {
        enum Scheme: Hashable {
            case none
            case bearer(token: Secret)
            case basic(username: String, password: Secret)
        }

        let scheme: Scheme

        private init(_ scheme: Scheme) {
            self.scheme = scheme
        }

        /// No `Authorization` header (the default).
        public static let none = Authentication(.none)

        /// `Authorization: Bearer <token>` (RFC 6750).
        public static func bearer(token: Secret) -> Authentication {
            Authentication(.bearer(token: token))
        }

        /// `Authorization: Basic <base64(username:password)>` (RFC 7617). The user name must not contain `:`.
        public static func basic(username: String, password: Secret) -> Authentication {
            Authentication(.basic(username: username, password: password))
        }
    }
}

extension BrokerConfiguration.Authentication: CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The scheme only: `none`, `bearer(<redacted>)` or `basic(<redacted>)`.
    public var description: String {
        switch scheme {
        case .none: return "none"
        case .bearer(let token): return "bearer(\(token))"
        // The user name is kept out too: like the URL's, it is half of a credential.
        case .basic(_, let password): return "basic(<redacted>, \(password))"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: nil) }
}
