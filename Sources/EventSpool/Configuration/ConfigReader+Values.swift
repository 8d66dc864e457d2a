import Configuration
import EventSpoolModel
import EventSpoolStorage
import EventSpoolWebhook

// Strict readers shared by the `init(config:)` extensions.
//
// swift-configuration's `int(forKey:default:)` falls back to the default when a value cannot be converted;
// for EventSpool a mistyped value must be an error, never a silent default. Each reader asks for the native
// type first (JSON numbers, booleans, arrays; environment strings the provider converts), then for the
// text and parses it here, so a value that is present but unusable throws a ``ConfigurationError`` naming
// the key. Keys are relative to the reader's scope; enclosing readers prefix theirs.
extension ConfigReader {
    /// A string that must be present and not empty.
    func requiredText(_ key: String, expected: String, isSecret: Bool = false) throws(ConfigurationError) -> String {
        guard let value = string(forKey: ConfigKey(key), isSecret: isSecret) else {
            throw ConfigurationError(key: key, found: nil, expected: expected)
        }
        // Empty is how a sample file leaves a required key unset (`"url": ""`): say so, not just "missing".
        guard !value.isEmpty else {
            throw ConfigurationError(key: key, found: "an empty value", expected: expected)
        }
        return value
    }

    /// A string, or `defaultValue` when the key is missing.
    func text(_ key: String, default defaultValue: String, isSecret: Bool = false) -> String {
        string(forKey: ConfigKey(key), isSecret: isSecret) ?? defaultValue
    }

    /// An integer no smaller than `minimum`.
    func integer(_ key: String, default defaultValue: Int, minimum: Int = 0) throws(ConfigurationError) -> Int {
        let expected = minimum == 0 ? "a whole number, 0 or more" : "a whole number, \(minimum) or more"
        let configKey = ConfigKey(key)
        let value: Int
        if let native = int(forKey: configKey) {
            value = native
        } else if let text = string(forKey: configKey) {
            guard let parsed = Int(text.trimmedForParsing()) else {
                throw ConfigurationError(key: key, found: "'\(text)'", expected: expected)
            }
            value = parsed
        } else {
            return defaultValue
        }
        guard value >= minimum else {
            throw ConfigurationError(key: key, found: "\(value)", expected: expected)
        }
        return value
    }

    /// A number in `range`.
    func number(
        _ key: String,
        default defaultValue: Double,
        in range: ClosedRange<Double>
    ) throws(ConfigurationError)
        -> Double
    {
        let expected = "a number from \(range.lowerBound.formatted) to \(range.upperBound.formatted)"
        let configKey = ConfigKey(key)
        let value: Double
        if let native = double(forKey: configKey) {
            value = native
        } else if let native = int(forKey: configKey) {
            // A whole number where a fraction may stand (`"pendingBytes": 0` from a provider that keeps
            // integers apart): read, not silently replaced by the default.
            value = Double(native)
        } else if let text = string(forKey: configKey) {
            guard let parsed = Double(text.trimmedForParsing()) else {
                throw ConfigurationError(key: key, found: "'\(text)'", expected: expected)
            }
            value = parsed
        } else {
            return defaultValue
        }
        guard range.contains(value) else {
            throw ConfigurationError(key: key, found: value.formatted, expected: expected)
        }
        return value
    }

    /// `true` or `false` (also `yes`/`no`, `1`/`0` from the environment).
    func flag(_ key: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        let configKey = ConfigKey(key)
        if let native = bool(forKey: configKey) {
            return native
        }
        guard let text = string(forKey: configKey) else { return defaultValue }
        switch text.trimmedForParsing().lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: throw ConfigurationError(key: key, found: "'\(text)'", expected: "true or false")
        }
    }

    /// A duration written as `250ms`, `5s`, `2m`, `6h`, `3d` (see ``Swift/Duration/init(text:)``) or a plain
    /// number of seconds; never negative.
    func duration(_ key: String, default defaultValue: Duration) throws(ConfigurationError) -> Duration {
        let expected = "a duration such as 250ms, 5s, 2m, 6h or 3d (or a number of seconds), not negative"
        let configKey = ConfigKey(key)
        if let text = string(forKey: configKey) {
            guard let value = Duration(text: text) else {
                throw ConfigurationError(key: key, found: "'\(text)'", expected: expected)
            }
            return value
        }
        guard let seconds = double(forKey: configKey) else { return defaultValue }
        guard seconds >= 0, let value = Duration(text: "\(seconds)") else {
            throw ConfigurationError(key: key, found: seconds.formatted, expected: expected)
        }
        return value
    }

    /// A duration greater than zero (a timeout: zero would fail every request).
    func positiveDuration(_ key: String, default defaultValue: Duration) throws(ConfigurationError) -> Duration {
        let value = try duration(key, default: defaultValue)
        guard value > .zero else {
            let written = string(forKey: ConfigKey(key)).map { "'\($0)'" } ?? double(forKey: ConfigKey(key))?.formatted
            throw ConfigurationError(
                key: key,
                found: written ?? "'\(value.shortDescription)'",
                expected: "a duration greater than zero, such as 250ms, 5s or 2m"
            )
        }
        return value
    }

    /// A list of strings (from the environment: comma-separated).
    func texts(_ key: String, default defaultValue: [String], isSecret: Bool = false) -> [String] {
        stringArray(forKey: ConfigKey(key), isSecret: isSecret) ?? defaultValue
    }

    /// A list of integers, each in `range` (from the environment: comma-separated).
    func integers(
        _ key: String,
        default defaultValue: [Int],
        in range: ClosedRange<Int>
    ) throws(ConfigurationError)
        -> [Int]
    {
        let expected = "a list of whole numbers from \(range.lowerBound) to \(range.upperBound)"
        let configKey = ConfigKey(key)
        let values: [Int]
        if let native = intArray(forKey: configKey) {
            values = native
        } else if let texts = stringArray(forKey: configKey) {
            var parsed: [Int] = []
            for text in texts {
                guard let value = Int(text.trimmedForParsing()) else {
                    throw ConfigurationError(key: key, found: "'\(text)'", expected: expected)
                }
                parsed.append(value)
            }
            values = parsed
        } else {
            return defaultValue
        }
        for value in values where !range.contains(value) {
            throw ConfigurationError(key: key, found: "\(value)", expected: expected)
        }
        return values
    }

    /// Runs a nested reader on the scope `scope`, putting the scope in front of the key of any error.
    func reading<Value>(
        _ scope: String,
        _ body: (ConfigReader) throws(ConfigurationError) -> Value
    ) throws(ConfigurationError) -> Value {
        do {
            return try body(scoped(to: ConfigKey(scope)))
        } catch {
            throw error.prefixed(with: scope)
        }
    }
}

extension Double {
    /// `5` rather than `5.0`, for messages.
    fileprivate var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
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
