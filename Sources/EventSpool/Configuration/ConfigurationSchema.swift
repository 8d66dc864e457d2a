import EventSpoolModel

/// Every configuration key EventSpool reads — its name, type, default, the values it takes, whether it is secret,
/// its environment variable and its one-line meaning — written once.
///
/// The readers (`init(config:)` in `*+SwiftConfiguration.swift`) read each key through its entry, so a key's
/// default, range and secrecy cannot differ between the code and its documentation; `spoolctl` checks a
/// `--config` file against it and suggests the key a typo likely means; tests hold the README's configuration
/// table and `Config/eventspool.json` to it.
///
/// The keys of one scope are the cases of a ``ConfigurationKeySet`` (`BrokerConfiguration.Key`,
/// `RetryPolicy.Key`, …, in `ConfigurationSchema+Keys.swift`); the scopes nest as ``Scope``s from ``root``.
/// Adding a key is one case with its ``Definition`` and one line in its reader.
package enum ConfigurationSchema {
    /// What a key holds, with its default and the values it takes.
    package enum Value: Sendable, Hashable {
        /// Text; `choices` lists the values allowed (empty: any). An empty text counts as not set.
        case text(default: String, choices: [String])
        /// Text that must be set and not empty; `fallback` is the value `spoolctl` uses when no source sets it.
        case requiredText(expected: String, fallback: String?)
        /// A whole number no smaller than `minimum`.
        case integer(default: Int, minimum: Int)
        /// A number in `range`.
        case number(default: Double, range: ClosedRange<Double>)
        /// `true` or `false`.
        case flag(default: Bool)
        /// A duration (`250ms`, `5s`, `2m`, `6h`, `3d` or a number of seconds) in `range`.
        case duration(default: Duration, range: ClosedRange<Duration>)
        /// A list of texts; in the environment, separated by commas.
        case texts(default: [String])
        /// A list of whole numbers, each in `range`; in the environment, separated by commas.
        case integers(default: [Int], range: ClosedRange<Int>)

        /// The JSON type a configuration file must give.
        package var kind: Kind {
            switch self {
            case .text, .requiredText: .string
            case .integer: .integer
            case .number: .number
            case .flag: .boolean
            case .duration: .duration
            case .texts: .strings
            case .integers: .integers
            }
        }
    }

    /// The JSON type of a key's value.
    package enum Kind: Sendable, Hashable {
        case string
        case integer
        case number
        case boolean
        /// A string such as `5s`, or a number of seconds.
        case duration
        case strings
        case integers

        /// What a value of this type looks like, for messages.
        package var expected: String {
            switch self {
            case .string: "a string"
            case .integer: "a whole number"
            case .number: "a number"
            case .boolean: "true or false"
            case .duration: "a duration string such as \"250ms\", \"5s\", \"2m\", \"6h\", \"3d\" or a number of seconds"
            case .strings: "an array of strings"
            case .integers: "an array of whole numbers"
            }
        }
    }

    /// One key's entry: what it holds, whether it is secret, and what it means.
    package struct Definition: Sendable, Hashable {
        package var value: Value
        /// Never logged or shown in a message; a file holding its value must not be readable by others.
        package var isSecret: Bool
        /// One line for the README's table.
        package var summary: String

        package static func text(
            default defaultValue: String = "",
            choices: [String] = [],
            isSecret: Bool = false,
            _ summary: String
        ) -> Definition {
            Definition(value: .text(default: defaultValue, choices: choices), isSecret: isSecret, summary: summary)
        }

        package static func requiredText(expected: String, fallback: String? = nil, _ summary: String) -> Definition {
            Definition(value: .requiredText(expected: expected, fallback: fallback), isSecret: false, summary: summary)
        }

        package static func integer(default defaultValue: Int, minimum: Int, _ summary: String) -> Definition {
            Definition(value: .integer(default: defaultValue, minimum: minimum), isSecret: false, summary: summary)
        }

        package static func number(
            default defaultValue: Double,
            in range: ClosedRange<Double>,
            _ summary: String
        ) -> Definition {
            Definition(value: .number(default: defaultValue, range: range), isSecret: false, summary: summary)
        }

        package static func flag(default defaultValue: Bool, _ summary: String) -> Definition {
            Definition(value: .flag(default: defaultValue), isSecret: false, summary: summary)
        }

        package static func duration(
            default defaultValue: Duration,
            in range: ClosedRange<Duration>,
            _ summary: String
        ) -> Definition {
            Definition(value: .duration(default: defaultValue, range: range), isSecret: false, summary: summary)
        }

        package static func texts(default defaultValue: [String] = [], isSecret: Bool, _ summary: String) -> Definition
        {
            Definition(value: .texts(default: defaultValue), isSecret: isSecret, summary: summary)
        }

        package static func integers(
            default defaultValue: [Int],
            in range: ClosedRange<Int>,
            _ summary: String
        ) -> Definition {
            Definition(value: .integers(default: defaultValue, range: range), isSecret: false, summary: summary)
        }
    }

    /// A key with its full dotted path from the root: `broker.auth.bearerToken`.
    package struct Key: Sendable, Hashable {
        package let path: String
        package let definition: Definition

        /// `EVENTSPOOL_` and the path in upper snake case: `broker.connectTimeout` →
        /// `EVENTSPOOL_BROKER_CONNECT_TIMEOUT`, as swift-configuration's `EnvironmentVariablesProvider` maps a
        /// key under the prefix `eventspool`.
        package var environmentVariable: String { ConfigurationSchema.environmentVariable(for: path) }
    }

    /// Every key, dotted from the root, in the order of ``root``.
    package static let keys: [Key] = root.keys(under: "")

    /// The key at `path`, or `nil` when there is none.
    package static func key(_ path: String) -> Key? { keysByPath[path] }

    private static let keysByPath = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    /// The dotted paths of the scopes that group keys (`broker`, `broker.auth`, `sweeper.alert`, …).
    package static let scopePaths: Set<String> = Set(
        keys.flatMap { key in
            let components = key.path.split(separator: ".")
            return (1..<components.count).map { components[..<$0].joined(separator: ".") }
        }
    )

    /// The environment variable of the key at `path` (see ``Key/environmentVariable``).
    package static func environmentVariable(for path: String) -> String {
        var name = "EVENTSPOOL"
        for component in path.split(separator: ".") {
            name += "_"
            var previousIsLower = false
            for character in component {
                if previousIsLower && character.isUppercase { name += "_" }
                name += character.isLetter || character.isNumber ? character.uppercased() : "_"
                previousIsLower = character.isLowercase
            }
        }
        return name
    }
}

extension ConfigurationSchema.Value {
    /// What a duration in `range` looks like, for messages: `a duration from 1ms to 1d, such as …`.
    package static func durationExpectation(_ range: ClosedRange<Duration>) -> String {
        let lowest = range.lowerBound == .zero ? "0" : range.lowerBound.shortDescription
        return "a duration from \(lowest) to \(range.upperBound.shortDescription), such as 250ms, 5s, 2m, 6h or 3d "
            + "(or a number of seconds)"
    }
}

extension ConfigurationSchema {
    /// `5` rather than `5.0`, for messages and the README.
    package static func text(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

/// The keys of one configuration scope, relative to it: each case is a key, its raw value the key's name.
package protocol ConfigurationKeySet: CaseIterable, RawRepresentable, Sendable where RawValue == String {
    /// The key's entry in the schema.
    var definition: ConfigurationSchema.Definition { get }
}
