public import Configuration
import EventSpoolHTTP
import EventSpoolModel
import EventSpoolStorage
import EventSpoolWebhook

extension BrokerConfiguration {
    /// Creates a broker configuration from `config`, scoped to one broker (`broker` or `secondaryBroker`).
    ///
    /// ## Configuration keys
    /// - `url` (string, required): The URL events are POSTed to, `http://` or `https://`.
    /// - `connectTimeout` (duration > 0, optional, default: `2s`): The longest wait for a TCP (and TLS)
    ///   connection.
    /// - `timeout` (duration > 0, optional, default: `5s`): The longest one whole request may take.
    /// - `headers` (string array, optional, secret, default: `[]`): Extra headers for every request, each
    ///   `Name: value` (for example `Authorization: Bearer …`). Secret: never logged. In the environment,
    ///   entries are separated by commas.
    /// - `maxConnections` (int, optional, default: `16`): The most connections kept open to the broker.
    /// - `maxResponseBodyBytes` (int, optional, default: `65536`): The most response-body bytes kept for
    ///   error messages.
    /// - `eventFormat` (string, optional, default: `binary`): The CloudEvents HTTP content mode, `binary`
    ///   (attributes as `ce-*` headers, the body as it is) or `structured` (`application/cloudevents+json`).
    /// - `allowInsecureCredentials` (bool, optional, default: `false`): Lets credentials (auth, headers, the
    ///   URL's userinfo) go in clear text over plain `http://` to a host that is not this machine; without it
    ///   such a broker is refused at start.
    /// - `auth.*`: credentials for an `Authorization` header; see ``Authentication/init(config:)``.
    /// - `signing.*`: Standard Webhooks signing secrets; see ``Signing/init(config:)``.
    /// - `tls.*`: CA file, client certificate and minimum TLS version; see ``TLS/init(config:)``.
    ///
    /// Durations are written `250ms`, `5s`, `2m`, `6h`, `3d`, or as a number of seconds.
    ///
    /// - Parameter config: The reader, scoped to the broker's keys.
    /// - Throws: ``ConfigurationError`` naming the key when `url` is missing or a value is unusable.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let defaults = BrokerConfiguration(url: "")
        let url = try config.requiredText("url", expected: "the broker's http:// or https:// URL")
        let lowercased = url.lowercased()
        guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") else {
            throw ConfigurationError(
                key: "url",
                found: "'\(HTTPURL.masked(url))'",
                expected: "an http:// or https:// URL"
            )
        }
        self.init(
            url: url,
            timeout: Timeout(
                connect: try config.positiveDuration("connectTimeout", default: defaults.timeout.connect),
                total: try config.positiveDuration("timeout", default: defaults.timeout.total)
            ),
            headers: try Self.headers(config.texts("headers", default: [], isSecret: true)),
            maxConnections: try config.integer("maxConnections", default: defaults.maxConnections, minimum: 1),
            maxResponseBodyBytes: try config.integer("maxResponseBodyBytes", default: defaults.maxResponseBodyBytes),
            eventFormat: try Self.eventFormat(config.text("eventFormat", default: defaults.eventFormat.description)),
            auth: try config.reading("auth") { config throws(ConfigurationError) in
                try Authentication(config: config)
            },
            signing: try config.reading("signing") { config throws(ConfigurationError) in
                try Signing(config: config)
            },
            tls: try config.reading("tls") { config throws(ConfigurationError) in try TLS(config: config) },
            allowInsecureCredentials: try config.flag("allowInsecureCredentials", default: false)
        )
    }

    private static func eventFormat(_ name: String) throws(ConfigurationError) -> EventFormat {
        guard let format = EventFormat(name) else {
            throw ConfigurationError(key: "eventFormat", found: "'\(name)'", expected: "binary or structured")
        }
        return format
    }

    /// Parses `Name: value` entries. Values are secret: an error shows the header's name only.
    private static func headers(_ entries: [String]) throws(ConfigurationError) -> [String: String] {
        var headers: [String: String] = [:]
        for entry in entries {
            guard let colon = entry.firstIndex(of: ":") else {
                throw ConfigurationError(
                    key: "headers",
                    found: "an entry without ':'",
                    expected: "'Name: value' entries"
                )
            }
            let name = entry[..<colon].trimmingCharacters(in: " \t")
            let value = entry[entry.index(after: colon)...].trimmingCharacters(in: " \t")
            let isToken = !name.isEmpty && name.unicodeScalars.allSatisfy { Self.tokenCharacters.contains($0) }
            guard isToken else {
                throw ConfigurationError(
                    key: "headers",
                    found: "the header name '\(name)'",
                    expected: "'Name: value' entries whose name is an HTTP token"
                )
            }
            guard !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) else {
                throw ConfigurationError(
                    key: "headers",
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
    /// - `bearerToken` (string, optional, secret): Sends `Authorization: Bearer <token>`.
    /// - `bearerTokenFile` (string, optional, secret): The path of a file holding the token, read when the
    ///   client starts (trailing newline trimmed); instead of `bearerToken`.
    /// - `username` (string, optional, secret): With a password, sends `Authorization: Basic …`.
    /// - `password` (string, optional, secret): The password for `username`.
    /// - `passwordFile` (string, optional, secret): The path of a file holding the password; instead of
    ///   `password`.
    ///
    /// - Throws: ``ConfigurationError`` when a value and its file are both set, a user name has no
    ///   password (or the other way round), or bearer and basic credentials are both set.
    public init(config: ConfigReader) throws(ConfigurationError) {
        let token = try config.secret("bearerToken", file: "bearerTokenFile")
        let password = try config.secret("password", file: "passwordFile")
        let username = config.text("username", default: "", isSecret: true)
        switch (token, username.isEmpty ? nil : username, password) {
        case (nil, nil, nil):
            self = .none
        case (let token?, nil, nil):
            self = .bearer(token: token)
        case (nil, let username?, let password?):
            self = .basic(username: username, password: password)
        case (nil, _?, nil):
            throw ConfigurationError(key: "password", found: nil, expected: "a password (or passwordFile) for username")
        case (nil, nil, _?):
            throw ConfigurationError(key: "username", found: nil, expected: "a username for the password")
        case (_?, _, _):
            throw ConfigurationError(
                key: "bearerToken",
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
    /// - `secrets` (string array, optional, secret, default: `[]`): `whsec_…` secrets; with more than one,
    ///   every request carries one signature per secret (key rotation). In the environment, separated by
    ///   commas.
    /// - `secretsFile` (string, optional, secret): The path of a file holding one or more secrets separated
    ///   by white space, read when the client starts; its secrets come after those of `secrets`.
    public init(config: ConfigReader) throws(ConfigurationError) {
        var secrets = config.texts("secrets", default: [], isSecret: true)
            .map { Substring($0).trimmingCharacters(in: " \t\n") }
            .filter { !$0.isEmpty }
            .map(Secret.value)
        let file = config.text("secretsFile", default: "", isSecret: true)
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
    /// - `caFile` (string, optional): A PEM file of the certificate authorities to trust instead of the
    ///   system's.
    /// - `certificateFile` (string, optional): A PEM client certificate, for mutual TLS.
    /// - `keyFile` (string, optional): The client certificate's unencrypted PEM private key, when it is not
    ///   in `certificateFile`.
    /// - `minimumVersion` (string, optional, default: `1.2`): The oldest TLS version accepted, `1.2` or `1.3`.
    public init(config: ConfigReader) throws(ConfigurationError) {
        func path(_ key: String) -> String? {
            let value = config.text(key, default: "")
            return value.isEmpty ? nil : value
        }
        let versionText = config.text("minimumVersion", default: Version.v1_2.description)
        guard let version = Version(versionText) else {
            throw ConfigurationError(key: "minimumVersion", found: "'\(versionText)'", expected: "1.2 or 1.3")
        }
        self.init(
            caFile: path("caFile"),
            certificateFile: path("certificateFile"),
            keyFile: path("keyFile"),
            minimumVersion: version
        )
    }
}

extension ConfigReader {
    /// A secret given as the value of `key` or as the path in `fileKey`; `nil` when neither is set (an
    /// empty value counts as not set).
    fileprivate func secret(_ key: String, file fileKey: String) throws(ConfigurationError) -> Secret? {
        let value = text(key, default: "", isSecret: true)
        let path = text(fileKey, default: "", isSecret: true)
        switch (value.isEmpty, path.isEmpty) {
        case (true, true): return nil
        case (false, true): return .value(value)
        case (true, false): return .file(path)
        case (false, false):
            throw ConfigurationError(
                key: key,
                found: "\(fileKey) too",
                expected: "either \(key) or \(fileKey), not both"
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
    /// The broker configured under `scope`, or `nil` when `scope.url` is missing or empty (an optional
    /// broker such as `secondaryBroker`).
    func optionalBroker(_ scope: String) throws(ConfigurationError) -> BrokerConfiguration? {
        let url = scoped(to: ConfigKey(scope)).text("url", default: "")
        guard !url.isEmpty else { return nil }
        return try reading(scope) { config throws(ConfigurationError) in try BrokerConfiguration(config: config) }
    }
}
