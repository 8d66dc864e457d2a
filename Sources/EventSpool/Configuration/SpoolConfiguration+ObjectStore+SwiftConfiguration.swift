public import Configuration
import EventSpoolModel
import EventSpoolS3
import EventSpoolStorage
import EventSpoolWebhook

import class Foundation.ProcessInfo

extension SpoolConfiguration.ObjectStore {
    /// Reads the object store from `config`, scoped to `spool.s3`.
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `endpoint` and `bucket` (required), `region` (`us-east-1`), `prefix` (empty; only
    /// `A-Z a-z 0-9 . _ ~ / -`), the credentials `accessKeyId` with `secretAccessKey` or `secretAccessKeyFile`, and
    /// `sessionToken` (all secret; when none is set, the environment's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
    /// and `AWS_SESSION_TOKEN`; with neither, requests are not signed), `pathStyle` (true), `leaseDuration` (30 s),
    /// `hostId` (empty: the host name), `timeout` (20 s), and the scope `tls` (``TLSConfiguration/init(config:)``, as a broker's).
    ///
    /// - Throws: ``ConfigurationError`` naming the key (never a secret's value) when `endpoint` or `bucket` is
    ///   missing, a value is unusable, half of a credential is set, or the secret's file cannot be read.
    public init(config: ConfigReader) throws(ConfigurationError) {
        try self.init(config: config, environment: ProcessInfo.processInfo.environment)
    }

    /// Reads the object store from `config`, with `environment` as the process's environment (for the `AWS_*`
    /// credentials).
    package init(config: ConfigReader, environment: [String: String]) throws(ConfigurationError) {
        let endpoint = try config.requiredURL(Key.endpoint)
        let prefix = try config.text(Key.prefix)
        if let problem = S3ObjectKey.problem(withPrefix: prefix) {
            throw ConfigurationError(
                key: Key.prefix.rawValue,
                found: "'\(LoggedText(prefix, maxBytes: 200))', which \(problem)",
                expected: "a key prefix of A-Z a-z 0-9 . _ ~ / - without an empty, '.' or '..' part"
            )
        }
        let hostID = try config.text(Key.hostId)
        self.init(
            endpoint: endpoint,
            bucket: try config.requiredText(Key.bucket),
            region: try config.text(Key.region),
            prefix: prefix,
            credentials: try Self.credentials(config, environment: environment),
            pathStyle: try config.flag(Key.pathStyle),
            tls: try config.reading(.tls) { config throws(ConfigurationError) in try TLSConfiguration(config: config) },
            leaseDuration: try config.duration(Key.leaseDuration),
            hostID: hostID.isEmpty ? nil : hostID,
            timeout: try config.duration(Key.timeout)
        )
    }

    /// The configured credentials, else the environment's, else none (unsigned requests).
    private static func credentials(
        _ config: ConfigReader,
        environment: [String: String]
    ) throws(ConfigurationError) -> Credentials? {
        let accessKeyID = try config.text(Key.accessKeyId)
        let secret = try config.secret(Key.secretAccessKey, file: Key.secretAccessKeyFile)
        let sessionToken = try config.text(Key.sessionToken)
        guard !accessKeyID.isEmpty || secret != nil else {
            guard sessionToken.isEmpty else {
                throw ConfigurationError(
                    key: Key.accessKeyId.rawValue,
                    found: nil,
                    expected: "an access key id and its secret for the sessionToken"
                )
            }
            return try environmentCredentials(environment)
        }
        guard !accessKeyID.isEmpty else {
            throw ConfigurationError(
                key: Key.accessKeyId.rawValue,
                found: nil,
                expected: "an access key id for the secret access key"
            )
        }
        guard let secret else {
            throw ConfigurationError(
                key: Key.secretAccessKey.rawValue,
                found: nil,
                expected: "a secret access key (or secretAccessKeyFile) for accessKeyId"
            )
        }
        var warnings: [String] = []
        let secretAccessKey: String
        do {
            secretAccessKey = try secret.reveal(warnings: &warnings)
        } catch {
            throw ConfigurationError(
                key: Key.secretAccessKeyFile.rawValue,
                found: error.message,
                expected: "a readable regular file holding the secret access key"
            )
        }
        var credentials = Credentials(
            accessKeyID: accessKeyID,
            secretAccessKey: secretAccessKey,
            sessionToken: sessionToken.isEmpty ? nil : sessionToken
        )
        credentials.fileWarnings = warnings
        return credentials
    }

    /// The credentials the AWS tools read from the environment, or `nil` when it has none.
    private static func environmentCredentials(
        _ environment: [String: String]
    ) throws(ConfigurationError) -> Credentials? {
        let accessKeyID = environment["AWS_ACCESS_KEY_ID"] ?? ""
        let secretAccessKey = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
        switch (accessKeyID.isEmpty, secretAccessKey.isEmpty) {
        case (true, true):
            return nil
        case (false, true):
            throw ConfigurationError(
                key: Key.secretAccessKey.rawValue,
                found: nil,
                expected: "a secret access key: AWS_ACCESS_KEY_ID is set, AWS_SECRET_ACCESS_KEY is not"
            )
        case (true, false):
            throw ConfigurationError(
                key: Key.accessKeyId.rawValue,
                found: nil,
                expected: "an access key id: AWS_SECRET_ACCESS_KEY is set, AWS_ACCESS_KEY_ID is not"
            )
        case (false, false):
            let sessionToken = environment["AWS_SESSION_TOKEN"] ?? ""
            return Credentials(
                accessKeyID: accessKeyID,
                secretAccessKey: secretAccessKey,
                sessionToken: sessionToken.isEmpty ? nil : sessionToken
            )
        }
    }
}
