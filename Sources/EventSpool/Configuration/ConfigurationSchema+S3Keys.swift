import EventSpoolModel
import EventSpoolStorage

extension SpoolConfiguration.ObjectStore {
    /// The keys of `spool.s3.*`, read when `spool.backend` is `s3`; the scope `spool.s3.tls` has the broker's TLS
    /// keys. The credentials are secret; when none is set, the environment's `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` are read.
    package enum Key: String, ConfigurationKeySet {
        case endpoint, bucket, region, prefix, accessKeyId, secretAccessKey, secretAccessKeyFile, sessionToken
        case pathStyle, leaseDuration, hostId, timeout

        private static let defaults = SpoolConfiguration.ObjectStore(endpoint: "", bucket: "")

        /// How long a sweeper's lease may last unrenewed: long enough for a renewal's round trip, short enough that a
        /// crashed sweeper's successor is not kept waiting for hours.
        /// At least 6 s: the holder stops 2 s (a third of the term) before it ends, and must have time left to work.
        static let leaseDurations: ClosedRange<Duration> = .seconds(6)...(.seconds(3600))
        /// One store operation, retries included: far below the age at which a put's `writing` mark counts as
        /// abandoned (10 minutes).
        static let timeouts: ClosedRange<Duration> = .milliseconds(1)...(.seconds(300))

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .endpoint:
                .requiredText(
                    expected: "the store's http:// or https:// URL, without a path",
                    "With `backend: s3`: the S3-compatible store's URL, `http://127.0.0.1:8333`"
                )
            case .bucket: .requiredText(expected: "the bucket's name", "With `backend: s3`: the bucket (it must exist)")
            case .region: .text(default: Self.defaults.region, "The region requests are signed for")
            case .prefix:
                .text(
                    default: Self.defaults.prefix,
                    "Where the spool's objects live in the bucket: `A-Z a-z 0-9 . _ ~ / -`, no empty, `.` or `..` part"
                )
            case .accessKeyId:
                .text(isSecret: true, "The access key requests are signed with (AWS SigV4); else `AWS_ACCESS_KEY_ID`")
            case .secretAccessKey: .text(isSecret: true, "Its secret; else `AWS_SECRET_ACCESS_KEY`")
            case .secretAccessKeyFile: .text(isSecret: true, "A file holding the secret, read at start")
            case .sessionToken:
                .text(isSecret: true, "The session token of temporary credentials; else `AWS_SESSION_TOKEN`")
            case .pathStyle:
                .flag(
                    default: Self.defaults.pathStyle,
                    "`http://host/bucket/key` (true) or `http://bucket.host/key` (false)"
                )
            case .leaseDuration:
                .duration(
                    default: Self.defaults.leaseDuration,
                    in: Self.leaseDurations,
                    "How long the sweeper's lease holds unrenewed; a crashed sweeper's is taken over after it"
                )
            case .hostId: .text("This host's name in the sweeper's lease; empty: the host name")
            case .timeout:
                .duration(
                    default: Self.defaults.timeout,
                    in: Self.timeouts,
                    "The longest one store operation may take, retries included; then a put goes to the last resort"
                )
            }
        }
    }
}
