import Configuration
import EventSpoolHTTP
import EventSpoolModel
import EventSpoolStorage
import EventSpoolWebhook

// Strict readers shared by the `init(config:)` extensions, each reading one key of the schema
// (``ConfigurationSchema``): its default, its range and whether it is secret come from the key's entry.
//
// swift-configuration's `int(forKey:default:)` falls back to the default when a value cannot be converted;
// for EventSpool a mistyped value must be an error, never a silent default. Each reader asks for the native
// type first (JSON numbers, booleans, arrays; environment strings the provider converts), then for the
// text and parses it here, so a value that is present but unusable — or outside its key's range — throws a
// ``ConfigurationError`` naming the key. Keys are relative to the reader's scope; enclosing readers prefix theirs.
extension ConfigReader {
    /// A string that must be present and, unless `allowingEmpty`, not empty.
    func requiredText(_ key: some ConfigurationKeySet, allowingEmpty: Bool = false) throws(ConfigurationError) -> String
    {
        guard case .requiredText(let expected, _) = key.definition.value else { Self.misread(key, as: "required text") }
        guard let value = string(forKey: ConfigKey(key.rawValue), isSecret: key.definition.isSecret) else {
            throw ConfigurationError(key: key.rawValue, found: nil, expected: expected)
        }
        // Empty is how a sample file leaves a required key unset (`"url": ""`): say so, not just "missing".
        guard allowingEmpty || !value.isEmpty else {
            throw ConfigurationError(key: key.rawValue, found: "an empty value", expected: expected)
        }
        return value
    }

    /// An `http://` or `https://` URL that must be present (a broker's, an object store's); an error shows it
    /// without the credentials it may hold.
    func requiredURL(_ key: some ConfigurationKeySet) throws(ConfigurationError) -> String {
        let url = try requiredText(key)
        let lowercased = url.lowercased()
        guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") else {
            throw ConfigurationError(
                key: key.rawValue,
                found: "'\(HTTPURL.masked(url))'",
                expected: "an http:// or https:// URL"
            )
        }
        return url
    }

    /// A string, or the key's default when it is missing; one of the key's choices when it has any.
    func text(_ key: some ConfigurationKeySet) throws(ConfigurationError) -> String {
        guard case .text(let defaultValue, let choices) = key.definition.value else { Self.misread(key, as: "text") }
        let value = string(forKey: ConfigKey(key.rawValue), isSecret: key.definition.isSecret) ?? defaultValue
        guard choices.isEmpty || choices.contains(value) else {
            throw ConfigurationError(
                key: key.rawValue,
                found: "'\(value)'",
                expected: choices.dropLast().joined(separator: ", ") + " or " + (choices.last ?? "")
            )
        }
        return value
    }

    /// One of the key's choices, made into `Choice` by `make`.
    func choice<Choice>(
        _ key: some ConfigurationKeySet,
        _ make: (String) -> Choice?
    ) throws(ConfigurationError) -> Choice {
        let name = try text(key)
        guard let choice = make(name) else {
            throw ConfigurationError(key: key.rawValue, found: "'\(name)'", expected: "a value EventSpool knows")
        }
        return choice
    }

    /// An integer no smaller than the key's minimum.
    func integer(_ key: some ConfigurationKeySet) throws(ConfigurationError) -> Int {
        guard case .integer(let defaultValue, let minimum) = key.definition.value else {
            Self.misread(key, as: "an integer")
        }
        let expected = "a whole number, \(minimum) or more"
        let configKey = ConfigKey(key.rawValue)
        let value: Int
        if let native = int(forKey: configKey) {
            value = native
        } else if let text = string(forKey: configKey) {
            guard let parsed = Int(text.trimmedForParsing()) else {
                throw ConfigurationError(key: key.rawValue, found: "'\(text)'", expected: expected)
            }
            value = parsed
        } else {
            return defaultValue
        }
        guard value >= minimum else {
            throw ConfigurationError(key: key.rawValue, found: "\(value)", expected: expected)
        }
        return value
    }

    /// A number in the key's range.
    func number(_ key: some ConfigurationKeySet) throws(ConfigurationError) -> Double {
        guard case .number(let defaultValue, let range) = key.definition.value else {
            Self.misread(key, as: "a number")
        }
        let expected =
            "a number from \(ConfigurationSchema.text(range.lowerBound)) to \(ConfigurationSchema.text(range.upperBound))"
        let configKey = ConfigKey(key.rawValue)
        let value: Double
        if let native = double(forKey: configKey) {
            value = native
        } else if let native = int(forKey: configKey) {
            // A whole number where a fraction may stand (`"pendingBytes": 0` from a provider that keeps
            // integers apart): read, not silently replaced by the default.
            value = Double(native)
        } else if let text = string(forKey: configKey) {
            guard let parsed = Double(text.trimmedForParsing()) else {
                throw ConfigurationError(key: key.rawValue, found: "'\(text)'", expected: expected)
            }
            value = parsed
        } else {
            return defaultValue
        }
        guard range.contains(value) else {
            throw ConfigurationError(key: key.rawValue, found: ConfigurationSchema.text(value), expected: expected)
        }
        return value
    }

    /// `true` or `false` (also `yes`/`no`, `1`/`0` from the environment).
    func flag(_ key: some ConfigurationKeySet) throws(ConfigurationError) -> Bool {
        guard case .flag(let defaultValue) = key.definition.value else { Self.misread(key, as: "a flag") }
        let configKey = ConfigKey(key.rawValue)
        if let native = bool(forKey: configKey) {
            return native
        }
        guard let text = string(forKey: configKey) else { return defaultValue }
        switch text.trimmedForParsing().lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: throw ConfigurationError(key: key.rawValue, found: "'\(text)'", expected: "true or false")
        }
    }

    /// A duration in the key's range, written as `250ms`, `5s`, `2m`, `6h`, `3d` (see
    /// ``Swift/Duration/init(text:)``) or a plain number of seconds. Bounded here, when it is read, so that no
    /// later arithmetic on it (a transport's milliseconds, a next-attempt time) can overflow.
    func duration(_ key: some ConfigurationKeySet) throws(ConfigurationError) -> Duration {
        guard case .duration(let defaultValue, let range) = key.definition.value else {
            Self.misread(key, as: "a duration")
        }
        let expected = ConfigurationSchema.Value.durationExpectation(range)
        let configKey = ConfigKey(key.rawValue)
        let found: String
        let value: Duration?
        if let text = string(forKey: configKey) {
            found = "'\(text)'"
            value = Duration(text: text)
        } else if let seconds = double(forKey: configKey) {
            found = ConfigurationSchema.text(seconds)
            value = seconds >= 0 ? Duration(text: "\(seconds)") : nil
        } else {
            return defaultValue
        }
        guard let value, range.contains(value) else {
            throw ConfigurationError(key: key.rawValue, found: found, expected: expected)
        }
        return value
    }

    /// A list of strings (from the environment: comma-separated).
    func texts(_ key: some ConfigurationKeySet) -> [String] {
        guard case .texts(let defaultValue) = key.definition.value else { Self.misread(key, as: "texts") }
        return stringArray(forKey: ConfigKey(key.rawValue), isSecret: key.definition.isSecret) ?? defaultValue
    }

    /// A list of integers, each in the key's range (from the environment: comma-separated).
    func integers(_ key: some ConfigurationKeySet) throws(ConfigurationError) -> [Int] {
        guard case .integers(let defaultValue, let range) = key.definition.value else {
            Self.misread(key, as: "integers")
        }
        let expected = "a list of whole numbers from \(range.lowerBound) to \(range.upperBound)"
        let configKey = ConfigKey(key.rawValue)
        let values: [Int]
        if let native = intArray(forKey: configKey) {
            values = native
        } else if let texts = stringArray(forKey: configKey) {
            var parsed: [Int] = []
            for text in texts {
                guard let value = Int(text.trimmedForParsing()) else {
                    throw ConfigurationError(key: key.rawValue, found: "'\(text)'", expected: expected)
                }
                parsed.append(value)
            }
            values = parsed
        } else {
            return defaultValue
        }
        for value in values where !range.contains(value) {
            throw ConfigurationError(key: key.rawValue, found: "\(value)", expected: expected)
        }
        return values
    }

    /// Runs a nested reader on `scope`, putting the scope's name in front of the key of any error.
    func reading<Value>(
        _ scope: ConfigurationSchema.Scope,
        _ body: (ConfigReader) throws(ConfigurationError) -> Value
    ) throws(ConfigurationError) -> Value {
        do {
            return try body(scoped(to: ConfigKey(scope.name)))
        } catch {
            throw error.prefixed(with: scope.name)
        }
    }

    /// A reader asked for a key of another type than its schema entry gives: a mistake in EventSpool's own
    /// code, found by the tests that read every key, never by a value someone configured.
    private static func misread(_ key: some ConfigurationKeySet, as type: String) -> Never {
        preconditionFailure("the configuration schema does not define '\(key.rawValue)' as \(type)")
    }
}

extension String {
    fileprivate func trimmedForParsing() -> Substring {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
