import EventSpoolModel

extension SpoolConfiguration {
    /// An S3-compatible bucket that holds the spool instead of a local directory, so that the events outlive the
    /// host and sweepers on any host can drain them (`spool.backend: s3`, the `spool.s3.*` keys).
    ///
    /// With an object store, ``SpoolConfiguration/directory`` is the local last resort: a put the store refuses
    /// goes there, and every sweep drains both; an empty directory turns the last resort off.
    ///
    /// Its description, debug description and mirror never show the credentials.
    public struct ObjectStore: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        /// The store's URL, `http://` or `https://`, without a path: `http://127.0.0.1:8333`.
        public var endpoint: String
        /// The bucket; it must exist.
        public var bucket: String
        /// The region requests are signed for.
        public var region: String
        /// Where the spool's objects live in the bucket (`[A-Za-z0-9._~/-]`, no `..`): empty, or ending in `/`
        /// once normalised.
        public var prefix: String
        /// The access key and secret requests are signed with (AWS SigV4), or `nil` for unsigned requests.
        public var credentials: Credentials?
        /// `http://host/bucket/key` (`true`) or `http://bucket.host/key`.
        public var pathStyle: Bool
        /// TLS settings for an `https` endpoint.
        public var tls: TLSConfiguration
        /// How long the sweeper's lease object holds without a renewal: a crashed sweeper's lease is taken over
        /// after this long.
        public var leaseDuration: Duration
        /// The name this host gives itself in the sweeper's lease (with its process id); `nil`: the host name.
        public var hostID: String?
        /// The longest one store operation may take, retries of timeouts, 5xx and throttling included: then a put
        /// goes to the local last resort, and a sweep stops.
        public var timeout: Duration

        /// Creates an object store description.
        ///
        /// - Parameters:
        ///   - endpoint: The store's URL, without a path.
        ///   - bucket: The bucket.
        ///   - region: The region requests are signed for.
        ///   - prefix: Where the spool's objects live in the bucket.
        ///   - credentials: The access key and secret, or `nil` for unsigned requests.
        ///   - pathStyle: Path-style (`true`) or virtual-hosted-style URLs.
        ///   - tls: TLS settings for an `https` endpoint.
        ///   - leaseDuration: How long the sweeper's lease holds without a renewal.
        ///   - hostID: The host's name in the lease; `nil`: the host name.
        ///   - timeout: The longest one store operation may take, retries included.
        public init(
            endpoint: String,
            bucket: String,
            region: String = "us-east-1",
            prefix: String = "",
            credentials: Credentials? = nil,
            pathStyle: Bool = true,
            tls: TLSConfiguration = .default,
            leaseDuration: Duration = .seconds(30),
            hostID: String? = nil,
            timeout: Duration = .seconds(20)
        ) {
            self.endpoint = endpoint
            self.bucket = bucket
            self.region = region
            self.prefix = prefix
            self.credentials = credentials
            self.pathStyle = pathStyle
            self.tls = tls
            self.leaseDuration = leaseDuration
            self.hostID = hostID
            self.timeout = timeout
        }

        /// Where the spool is, for logs and reports: `s3://bucket/prefix`.
        public var location: String {
            "s3://\(bucket)/\(prefix)"
        }

        public var description: String {
            "ObjectStore(endpoint: \(LoggedText(endpoint, maxBytes: 200)), bucket: \(bucket), region: \(region), "
                + "prefix: \(prefix), credentials: \(credentials == nil ? "none" : "<redacted>"), "
                + "pathStyle: \(pathStyle), tls: \(tls), leaseDuration: \(leaseDuration), timeout: \(timeout))"
        }

        public var debugDescription: String { description }

        public var customMirror: Mirror {
            Mirror(self, children: ["description": description], displayStyle: .struct)
        }

        /// The credentials of an object store: an access key id, its secret, and for temporary credentials a
        /// session token. They never print.
        public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
            CustomReflectable
        {
            /// The access key id.
            public var accessKeyID: String
            /// The secret access key.
            public var secretAccessKey: String
            /// The session token of temporary credentials (`AWS_SESSION_TOKEN`), or `nil`.
            public var sessionToken: String?
            /// What reading the secret from a file found worth a warning (a file others may read); logged when
            /// the spool is opened (`SpoolConfiguration.open`). Never the secret.
            package var fileWarnings: [String] = []

            public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
                self.accessKeyID = accessKeyID
                self.secretAccessKey = secretAccessKey
                self.sessionToken = sessionToken
            }

            public var description: String { "Credentials(<redacted>)" }
            public var debugDescription: String { description }
            public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
        }
    }
}
