public import Configuration
import EventSpoolModel
import EventSpoolStorage
import EventSpoolWebhook

extension BrokerConfiguration {
    /// Creates a broker configuration from `config`, scoped to one broker (`broker` or `secondaryBroker`).
    ///
    /// ## Configuration keys
    /// The keys of ``Key`` — `url` (required), `connectTimeout`, `timeout`, `headers` (secret), `maxConnections`,
    /// `maxResponseBodyBytes`, `eventFormat`, `allowInsecureCredentials` — and the scopes `auth`, `signing` and
    /// `tls` (``Authentication/init(config:)``, ``Signing/init(config:)``, ``TLS/init(config:)``). Their types,
    /// defaults, ranges and meaning are the configuration schema's, listed in the README's configuration table.
    ///
    /// - Parameter config: The reader, scoped to the broker's keys.
    /// - Throws: ``ConfigurationError`` naming the key when `url` is missing or a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        self.init(
            url: try config.requiredURL(Key.url),
            connectTimeout: try config.duration(Key.connectTimeout),
            timeout: try config.duration(Key.timeout),
            headers: try Self.headers(config.texts(Key.headers)),
            maxConnections: try config.integer(Key.maxConnections),
            maxResponseBodyBytes: try config.integer(Key.maxResponseBodyBytes),
            eventFormat: try config.choice(Key.eventFormat, EventFormat.init),
            auth: try config.reading(.auth) { config throws(ConfigurationError) in try Authentication(config: config) },
            signing: try config.reading(.signing) { config throws(ConfigurationError) in try Signing(config: config) },
            tls: try config.reading(.tls) { config throws(ConfigurationError) in try TLS(config: config) },
            allowInsecureCredentials: try config.flag(Key.allowInsecureCredentials)
        )
    }

    /// Parses `Name: value` entries. Values are secret: an error shows the header's name only.
    private static func headers(_ entries: [String]) throws(ConfigurationError) -> [String: String] {
        var headers: [String: String] = [:]
        for entry in entries {
            guard let colon = entry.firstIndex(of: ":") else {
                throw ConfigurationError(
                    key: Key.headers.rawValue,
                    found: "an entry without ':'",
                    expected: "'Name: value' entries"
                )
            }
            let name = entry[..<colon].trimmingCharacters(in: " \t")
            let value = entry[entry.index(after: colon)...].trimmingCharacters(in: " \t")
            let isToken = !name.isEmpty && name.unicodeScalars.allSatisfy { Self.tokenCharacters.contains($0) }
            guard isToken else {
                throw ConfigurationError(
                    key: Key.headers.rawValue,
                    found: "the header name '\(name)'",
                    expected: "'Name: value' entries whose name is an HTTP token"
                )
            }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) else {
                throw ConfigurationError(
                    key: Key.headers.rawValue,
                    found: "a control character in the value of '\(name)'",
                    expected: "header values without control characters"
                )
            }
            headers[name] = value
        }
        return headers
    }

    private static let tokenCharacters: Set<Unicode.Scalar> = {
        var set = Set<Unicode.Scalar>("!#$%&'*+-.^_`|~".unicodeScalars)
        for scalar in UInt8(ascii: "a")...UInt8(ascii: "z") { set.insert(Unicode.Scalar(scalar)) }
        for scalar in UInt8(ascii: "A")...UInt8(ascii: "Z") { set.insert(Unicode.Scalar(scalar)) }
        for scalar in UInt8(ascii: "0")...UInt8(ascii: "9") { set.insert(Unicode.Scalar(scalar)) }
        return set
    }()
}

extension BrokerConfiguration.Authentication {
    /// Reads credentials from `config`, scoped to a broker's `auth`. Every key is secret: never logged or
    /// shown in an error. An empty value counts as not set.
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `bearerToken` or `bearerTokenFile` (`Authorization: Bearer …`), or `username` with
    /// `password` or `passwordFile` (`Authorization: Basic …`); a file is read when the client starts, its
    /// trailing newline trimmed.
    ///
    /// - Throws: ``ConfigurationError`` when a value and its file are both set, a user name has no
    ///   password (or the other way round), or bearer and basic credentials are both set.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let token = try config.secret(Key.bearerToken, file: Key.bearerTokenFile)
        let password = try config.secret(Key.password, file: Key.passwordFile)
        let username = try config.text(Key.username)
        switch (token, username.isEmpty ? nil : username, password) {
        case (nil, nil, nil):
            self = .none
        case (let token?, nil, nil):
            self = .bearer(token: token)
        case (nil, let username?, let password?):
            self = .basic(username: username, password: password)
        case (nil, _?, nil):
            throw ConfigurationError(
                key: Key.password.rawValue,
                found: nil,
                expected: "a password (or passwordFile) for username"
            )
        case (nil, nil, _?):
            throw ConfigurationError(key: Key.username.rawValue, found: nil, expected: "a username for the password")
        case (_?, _, _):
            throw ConfigurationError(
                key: Key.bearerToken.rawValue,
                found: "basic credentials too",
                expected: "either a bearer token or a username and password, not both"
            )
        }
    }
}

extension BrokerConfiguration.Signing {
    /// Reads Standard Webhooks signing secrets from `config`, scoped to a broker's `signing`. Both keys are
    /// secret. Secrets are checked (`whsec_<base64>`, 24 to 64 bytes) when the client starts.
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `secrets` (with more than one, every request carries one signature per secret, for
    /// key rotation) and `secretsFile` (secrets separated by white space, read when the client starts; they
    /// come after those of `secrets`).
    public init(config: ConfigReader) throws(ConfigurationError) {
        var secrets = config.texts(Key.secrets)
            .map { Substring($0).trimmingCharacters(in: " \t\n") }
            .filter { !$0.isEmpty }
            .map(Secret.value)
        let file = try config.text(Key.secretsFile)
        if !file.isEmpty {
            secrets.append(.file(file))
        }
        self.init(secrets: secrets)
    }
}

extension BrokerConfiguration.TLS {
    /// Reads TLS settings from `config`, scoped to a broker's `tls`. Certificate verification is always
    /// on; there is no key to turn it off.
    ///
    /// ## Configuration keys
    /// The keys of ``Key``: `caFile`, `certificateFile`, `keyFile` (PEM files; empty: not set) and
    /// `minimumVersion` (`1.2` or `1.3`).
    public init(config: ConfigReader) throws(ConfigurationError) {
        func path(_ key: Key) throws(ConfigurationError) -> String? {
            let value = try config.text(key)
            return value.isEmpty ? nil : value
        }
        self.init(
            caFile: try path(.caFile),
            certificateFile: try path(.certificateFile),
            keyFile: try path(.keyFile),
            minimumVersion: try config.choice(Key.minimumVersion, Version.init)
        )
    }
}

extension ConfigReader {
    /// A secret given as the value of `key` or as the path in `fileKey`; `nil` when neither is set (an
    /// empty value counts as not set).
    func secret<Key: ConfigurationKeySet>(
        _ key: Key,
        file fileKey: Key
    ) throws(ConfigurationError) -> Secret? {
        let value = try text(key)
        let path = try text(fileKey)
        switch (value.isEmpty, path.isEmpty) {
        case (true, true): return nil
        case (false, true): return .value(value)
        case (true, false): return .file(path)
        case (false, false):
            throw ConfigurationError(
                key: key.rawValue,
                found: "\(fileKey.rawValue) too",
                expected: "either \(key.rawValue) or \(fileKey.rawValue), not both"
            )
        }
    }
}

extension Substring {
    /// The text without leading and trailing characters from `characters`.
    fileprivate func trimmingCharacters(in characters: String) -> String {
        var text = self
        while let first = text.first, characters.contains(first) { text.removeFirst() }
        while let last = text.last, characters.contains(last) { text.removeLast() }
        return String(text)
    }
}

extension ConfigReader {
    /// The broker configured under `scope`, or `nil` when its `url` is missing or empty (an optional
    /// broker such as `secondaryBroker`).
    func optionalBroker(_ scope: ConfigurationSchema.Scope) throws(ConfigurationError) -> BrokerConfiguration? {
        let url = string(forKey: ConfigKey([scope.name, BrokerConfiguration.Key.url.rawValue])) ?? ""
        guard !url.isEmpty else { return nil }
        return try reading(scope) { config throws(ConfigurationError) in try BrokerConfiguration(config: config) }
    }
}
