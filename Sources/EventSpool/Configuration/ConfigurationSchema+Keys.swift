import EventSpoolModel
import EventSpoolPolicy
import EventSpoolStorage
import EventSpoolWebhook

// The schema's keys, scope by scope. Defaults are those of the configuration structs' initialisers, so the
// code has one default per key; the ranges are checked when a key is read.

extension ConfigurationSchema {
    /// A time limit on one request: more than 0 (0 would fail every request), at most a day.
    static let timeouts: ClosedRange<Duration> = .milliseconds(1)...(.seconds(86_400))
    /// A pause of a running process: at most a day.
    static let pauses: ClosedRange<Duration> = .zero...(.seconds(86_400))
    /// A delay or an age of a spooled event: at most 100 years, long enough to mean "never" (`retry.maxAge: 36500d`
    /// keeps every event whatever its age) and short enough for any time arithmetic.
    static let ages: ClosedRange<Duration> = .zero...(.seconds(36_500 * 86_400))
}

extension BrokerConfiguration {
    /// The keys of one broker (`broker.*`, `secondaryBroker.*`), relative to it.
    package enum Key: String, ConfigurationKeySet {
        case url, connectTimeout, timeout, headers, maxConnections, maxResponseBodyBytes, eventFormat
        case allowInsecureCredentials

        private static let defaults = BrokerConfiguration(url: "")

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .url:
                .requiredText(expected: "the broker's http:// or https:// URL", "The URL events are POSTed to")
            case .connectTimeout:
                .duration(
                    default: Self.defaults.connectTimeout,
                    in: ConfigurationSchema.timeouts,
                    "The longest wait for a connection"
                )
            case .timeout:
                .duration(
                    default: Self.defaults.timeout,
                    in: ConfigurationSchema.timeouts,
                    "The longest one request may take"
                )
            case .headers: .texts(isSecret: true, "Extra headers, `Name: value`")
            case .maxConnections:
                .integer(default: Self.defaults.maxConnections, minimum: 1, "Connections kept open to the broker")
            case .maxResponseBodyBytes:
                .integer(
                    default: Self.defaults.maxResponseBodyBytes,
                    minimum: 0,
                    "Response bytes kept for error messages"
                )
            case .eventFormat:
                .text(
                    default: Self.defaults.eventFormat.description,
                    choices: [EventFormat.binary.description, EventFormat.structured.description],
                    "CloudEvents content mode: `binary` (`ce-*` headers) or `structured`"
                )
            case .allowInsecureCredentials:
                .flag(
                    default: Self.defaults.allowInsecureCredentials,
                    "Lets credentials (auth, headers, the URL's userinfo) go over plain `http://` to another machine; "
                        + "without it such a broker is refused at start"
                )
            }
        }
    }
}

extension BrokerConfiguration.Authentication {
    /// The keys of a broker's `auth`: all secret; an empty value counts as not set.
    package enum Key: String, ConfigurationKeySet {
        case bearerToken, bearerTokenFile, username, password, passwordFile

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .bearerToken: .text(isSecret: true, "Sends `Authorization: Bearer …`")
            case .bearerTokenFile: .text(isSecret: true, "A file holding the token, read at start")
            case .username: .text(isSecret: true, "With a password, sends `Authorization: Basic …`")
            case .password: .text(isSecret: true, "The password for `username`")
            case .passwordFile: .text(isSecret: true, "A file holding the password, read at start")
            }
        }
    }
}

extension BrokerConfiguration.Signing {
    /// The keys of a broker's `signing`.
    package enum Key: String, ConfigurationKeySet {
        case secrets, secretsFile

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .secrets: .texts(isSecret: true, "Standard Webhooks `whsec_…` secrets; several for rotation")
            case .secretsFile: .text(isSecret: true, "A file of `whsec_…` secrets, white-space separated")
            }
        }
    }
}

extension BrokerConfiguration.TLS {
    /// The keys of a broker's `tls`. Certificate verification is always on: no key turns it off.
    package enum Key: String, ConfigurationKeySet {
        case caFile, certificateFile, keyFile, minimumVersion

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .caFile: .text("PEM CAs to trust instead of the system's trust store")
            case .certificateFile: .text("PEM client certificate (mutual TLS)")
            case .keyFile: .text("Its unencrypted PEM key, when not in the certificate file")
            case .minimumVersion:
                .text(
                    default: BrokerConfiguration.TLS.default.minimumVersion.description,
                    choices: [Version.v1_2.description, Version.v1_3.description],
                    "Oldest TLS version accepted"
                )
            }
        }
    }
}

extension SpoolConfiguration {
    /// The keys of `spool.*`.
    package enum Key: String, ConfigurationKeySet {
        case directory, backend, maxBytes, maxObjects, maxEventsPerObject, staleTemporaryFileAge, allowUnsafePermissions

        private static let defaults = SpoolConfiguration(directory: "")

        /// The values of `backend`: a directory, or an S3-compatible bucket (`spool.s3.*`).
        package static let directoryBackend = "directory"
        package static let s3Backend = "s3"

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .directory:
                .requiredText(
                    expected: "the path of the spool directory (with backend s3, of the local last resort, or \"\")",
                    fallback: "/var/spool/eventspool",
                    "The spool directory (created, mode 0700); with `backend: s3` the local last resort, `\"\"` for none"
                )
            case .backend:
                .text(
                    default: Self.directoryBackend,
                    choices: [Self.directoryBackend, Self.s3Backend],
                    "`directory` (spool to `directory`) or `s3` (to the bucket of `spool.s3.*`)"
                )
            case .maxBytes:
                .integer(
                    default: Int(Self.defaults.limits.maxBytes),
                    minimum: 1,
                    "Most bytes in `pending/`; then publish throws"
                )
            case .maxObjects:
                .integer(
                    default: Self.defaults.limits.maxObjects,
                    minimum: 1,
                    "Most objects in `pending/`; then publish throws"
                )
            case .maxEventsPerObject:
                .integer(
                    default: Self.defaults.maxEventsPerObject,
                    minimum: 1,
                    "Most events one group commit writes into one object"
                )
            case .staleTemporaryFileAge:
                .duration(
                    default: Self.defaults.staleTemporaryFileAge,
                    in: ConfigurationSchema.ages,
                    "Age after which `tmp/` leftovers are removed"
                )
            case .allowUnsafePermissions:
                .flag(
                    default: Self.defaults.allowUnsafePermissions,
                    "Accept a spool owned by another user or writable by others"
                )
            }
        }
    }
}

extension Publisher.Configuration {
    /// The keys of `publisher.*`.
    package enum Key: String, ConfigurationKeySet {
        case mode, maxBodyBytes, shutdownTimeout

        private static let defaults = Publisher.Configuration(
            broker: BrokerConfiguration(url: ""),
            spool: SpoolConfiguration(directory: "")
        )

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .mode:
                .text(
                    default: Self.defaults.mode.description,
                    choices: [Publisher.Mode.fallback.description, Publisher.Mode.writeAhead.description],
                    "`fallback` (send, spool on failure) or `writeAhead` (spool, send, remove)"
                )
            case .maxBodyBytes:
                .integer(default: Self.defaults.maxBodyBytes, minimum: 1, "The largest event body accepted")
            case .shutdownTimeout:
                .duration(
                    default: Self.defaults.shutdownTimeout,
                    in: ConfigurationSchema.pauses,
                    "The longest shutdown waits for in-flight publishes"
                )
            }
        }
    }
}

extension CircuitBreakerConfiguration {
    /// The keys of `circuitBreaker.*`.
    package enum Key: String, ConfigurationKeySet {
        case failureThreshold, breakDuration

        private static let defaults = CircuitBreakerConfiguration()

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .failureThreshold:
                .integer(
                    default: Self.defaults.failureThreshold,
                    minimum: 0,
                    "Consecutive failures that open the circuit (0: never)"
                )
            case .breakDuration:
                .duration(
                    default: Self.defaults.breakDuration,
                    in: ConfigurationSchema.pauses,
                    "How long the circuit stays open before a probe"
                )
            }
        }
    }
}

extension RetryPolicy {
    /// The keys of `retry.*`.
    package enum Key: String, ConfigurationKeySet {
        case baseDelay, multiplier, maxDelay, jitter, maxAttempts, maxAge

        private static let defaults = RetryPolicy()

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .baseDelay:
                .duration(
                    default: Self.defaults.baseDelay,
                    in: ConfigurationSchema.ages,
                    "The wait after the first failed attempt"
                )
            case .multiplier:
                .number(default: Self.defaults.multiplier, in: 1...100, "Each wait is this many times the previous one")
            case .maxDelay:
                .duration(
                    default: Self.defaults.maxDelay,
                    in: ConfigurationSchema.ages,
                    "The longest wait between attempts"
                )
            case .jitter:
                .number(default: Self.defaults.jitter, in: 0...1, "Random spread of each wait (0.2 = ±20 %)")
            case .maxAttempts:
                .integer(default: Self.defaults.maxAttempts, minimum: 1, "Attempts after which an event is given up")
            case .maxAge:
                .duration(
                    default: Self.defaults.maxAge,
                    in: ConfigurationSchema.ages,
                    "Age after which an event is given up"
                )
            }
        }
    }
}

extension DeliveryClassification {
    /// The keys of `classification.*`. Every other status that is not 2xx is permanent: dead-lettered.
    package enum Key: String, ConfigurationKeySet {
        case retryableStatuses, goneStatuses, maxRetryAfter, defaultRetryAfter

        private static let defaults = DeliveryClassification()

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .retryableStatuses:
                .integers(default: Self.defaults.retryableStatuses.sorted(), in: 100...599, "Statuses retried later")
            case .goneStatuses:
                .integers(
                    default: Self.defaults.goneStatuses.sorted(),
                    in: 100...599,
                    "Statuses meaning the endpoint is gone: stop and report"
                )
            case .maxRetryAfter:
                .duration(
                    default: Self.defaults.maxRetryAfter,
                    in: ConfigurationSchema.ages,
                    "The longest `Retry-After` honoured"
                )
            case .defaultRetryAfter:
                .duration(
                    default: Self.defaults.defaultRetryAfter,
                    in: ConfigurationSchema.ages,
                    "The wait when `Retry-After` cannot be parsed"
                )
            }
        }
    }
}

extension Sweeper.Configuration {
    /// The keys of `sweeper.*`.
    package enum Key: String, ConfigurationKeySet {
        case concurrency, circuitBreakerThreshold, interval, fallback

        private static let defaults = Sweeper.Configuration(
            broker: BrokerConfiguration(url: ""),
            spool: SpoolConfiguration(directory: "")
        )

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .concurrency:
                .integer(default: Self.defaults.concurrency, minimum: 1, "Deliveries in flight at once")
            case .circuitBreakerThreshold:
                .integer(
                    default: Self.defaults.circuitBreakerThreshold,
                    minimum: 0,
                    "Consecutive failures that end a pass early (0: never)"
                )
            case .interval:
                .duration(
                    default: Self.defaults.interval,
                    in: ConfigurationSchema.pauses,
                    "Pause between passes of an in-process sweeper"
                )
            case .fallback:
                .text(
                    default: Self.defaults.fallback.description,
                    choices: [FallbackPolicy.deadLetter.description, FallbackPolicy.secondaryBroker.description],
                    "When retries are exhausted: `deadLetter` or `secondaryBroker`"
                )
            }
        }
    }
}

extension SweepAlert.Thresholds {
    /// The keys of `sweeper.alert.*`.
    package enum Key: String, ConfigurationKeySet {
        case oldestPending, pendingObjects, pendingBytes

        private static let defaults = SweepAlert.Thresholds()

        package var definition: ConfigurationSchema.Definition {
            switch self {
            case .oldestPending:
                .duration(
                    default: Self.defaults.oldestPending,
                    in: ConfigurationSchema.ages,
                    "A sweep alerts (exit 69) while the oldest pending event is this old; `0` off"
                )
            case .pendingObjects:
                .number(
                    default: Self.defaults.pendingObjects,
                    in: 0...1,
                    "… while `pending/` holds this fraction of `spool.maxObjects`; `0` off"
                )
            case .pendingBytes:
                .number(
                    default: Self.defaults.pendingBytes,
                    in: 0...1,
                    "… while `pending/` holds this fraction of `spool.maxBytes`; `0` off"
                )
            }
        }
    }
}
