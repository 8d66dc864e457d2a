public import Configuration

extension BrokerConfiguration {
    /// Creates a broker configuration from `config`, scoped to one broker (`broker` or `secondaryBroker`).
    ///
    /// ## Configuration keys
    /// - `url` (string, required): The URL events are POSTed to, `http://` or `https://`.
    /// - `connectTimeout` (duration, optional, default: `2s`): The longest wait for a TCP (and TLS) connection.
    /// - `timeout` (duration, optional, default: `5s`): The longest one whole request may take.
    /// - `headers` (string array, optional, secret, default: `[]`): Extra headers for every request, each
    ///   `Name: value` (for example `Authorization: Bearer …`). Secret: never logged. In the environment,
    ///   entries are separated by commas.
    /// - `maxConnections` (int, optional, default: `16`): The most connections kept open to the broker.
    /// - `maxResponseBodyBytes` (int, optional, default: `65536`): The most response-body bytes kept for
    ///   error messages.
    /// - `eventFormat` (string, optional, default: `binary`): The CloudEvents HTTP content mode, `binary`
    ///   (attributes as `ce-*` headers, the body as it is) or `structured` (`application/cloudevents+json`).
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
            throw ConfigurationError(key: "url", found: "'\(url)'", expected: "an http:// or https:// URL")
        }
        self.init(
            url: url,
            timeout: Timeout(
                connect: try config.duration("connectTimeout", default: defaults.timeout.connect),
                total: try config.duration("timeout", default: defaults.timeout.total)
            ),
            headers: try Self.headers(config.texts("headers", default: [], isSecret: true)),
            maxConnections: try config.integer("maxConnections", default: defaults.maxConnections, minimum: 1),
            maxResponseBodyBytes: try config.integer("maxResponseBodyBytes", default: defaults.maxResponseBodyBytes),
            eventFormat: try Self.eventFormat(config.text("eventFormat", default: defaults.eventFormat.description))
        )
    }

    private static func eventFormat(_ name: String) throws(ConfigurationError) -> EventFormat {
        for format in [EventFormat.binary, .structured] where format.description == name {
            return format
        }
        throw ConfigurationError(key: "eventFormat", found: "'\(name)'", expected: "binary or structured")
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
