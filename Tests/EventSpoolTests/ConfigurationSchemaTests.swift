import Foundation
import Testing

@testable import EventSpool

/// The configuration schema is the one list of keys: the README's table is its rendering and
/// `Config/eventspool.json` holds its defaults (that the readers read exactly its keys is checked in
/// `ConfigurationDefaultsTests`). Each test fails when one of them drifts from it.
@Suite("configuration schema")
struct ConfigurationSchemaTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("each key has one environment variable, by one rule")
    func environmentVariables() {
        let variables = ConfigurationSchema.keys.map(\.environmentVariable)
        #expect(Set(variables).count == variables.count)
        #expect(
            ConfigurationSchema.key("broker.connectTimeout")?.environmentVariable == "EVENTSPOOL_BROKER_CONNECT_TIMEOUT"
        )
        #expect(
            ConfigurationSchema.key("secondaryBroker.auth.bearerTokenFile")?.environmentVariable
                == "EVENTSPOOL_SECONDARY_BROKER_AUTH_BEARER_TOKEN_FILE"
        )
        #expect(
            ConfigurationSchema.key("sweeper.alert.oldestPending")?.environmentVariable
                == "EVENTSPOOL_SWEEPER_ALERT_OLDEST_PENDING"
        )
    }

    @Test("the README's configuration table is the schema's rendering")
    func readmeTable() throws {
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("| key | environment variable |") })
        let table = lines[start...].prefix { $0.hasPrefix("|") }
        let expected = ConfigurationTable.rendered()
        #expect(
            Array(table) == expected,
            "README.md's configuration table differs from the schema; it should read:\n\(expected.joined(separator: "\n"))"
        )
    }

    @Test("Config/eventspool.json sets every key of the schema to its default")
    func sampleFile() throws {
        let data = try Data(contentsOf: Self.packageRoot.appendingPathComponent("Config/eventspool.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func leaves(_ members: [String: Any], prefix: String) -> [String: Any] {
            var found: [String: Any] = [:]
            for (name, value) in members {
                if let nested = value as? [String: Any] {
                    found.merge(leaves(nested, prefix: prefix + name + ".")) { $1 }
                } else {
                    found[prefix + name] = value
                }
            }
            return found
        }
        let sample = leaves(root, prefix: "")
        #expect(Set(sample.keys) == Set(ConfigurationSchema.keys.map(\.path)))
        for key in ConfigurationSchema.keys {
            let value = sample[key.path]
            let matches: Bool
            switch key.definition.value {
            case .text(let defaultValue, _): matches = value as? String == defaultValue
            case .requiredText(_, let fallback): matches = value as? String == fallback ?? ""
            case .integer(let defaultValue, _): matches = (value as? NSNumber)?.intValue == defaultValue
            case .number(let defaultValue, _): matches = (value as? NSNumber)?.doubleValue == defaultValue
            case .flag(let defaultValue): matches = value as? Bool == defaultValue
            case .duration(let defaultValue, _):
                matches = (value as? String).flatMap(Duration.init(text:)) == defaultValue
            case .texts(let defaultValue): matches = value as? [String] == defaultValue
            case .integers(let defaultValue, _): matches = value as? [Int] == defaultValue
            }
            #expect(matches, "\(key.path) is \(String(describing: value)) in the sample, not the schema's default")
        }
    }
}

/// The README's configuration table, rendered from the schema.
enum ConfigurationTable {
    static func rendered() -> [String] {
        [
            "| key | environment variable | default | values | meaning |",
            "|---|---|---|---|---|",
        ] + rows(of: ConfigurationSchema.root, under: "")
    }

    private static func rows(of scope: ConfigurationSchema.Scope, under parent: String) -> [String] {
        let prefix = scope.name.isEmpty ? parent : parent + scope.name + "."
        if let summary = scope.summary {
            let variable = ConfigurationSchema.environmentVariable(for: prefix + "x").dropLast()
            return ["| `\(prefix)*` | `\(variable)*` | none | the same | \(summary) |"]
        }
        return scope.entries.map { entry in
            let path = prefix + entry.name
            let definition = entry.definition
            let meaning = definition.summary + (definition.isSecret ? " (secret)" : "")
            let variable = ConfigurationSchema.environmentVariable(for: path)
            return "| `\(path)` | `\(variable)` | \(defaultText(definition.value)) | \(values(definition.value)) "
                + "| \(meaning) |"
        } + scope.scopes.flatMap { rows(of: $0, under: prefix) }
    }

    private static func defaultText(_ value: ConfigurationSchema.Value) -> String {
        switch value {
        case .text(let defaultValue, _): defaultValue.isEmpty ? "none" : "`\(defaultValue)`"
        case .requiredText(_, let fallback): fallback.map { "`\($0)`" } ?? "(required)"
        case .integer(let defaultValue, _): "`\(defaultValue)`"
        case .number(let defaultValue, _): "`\(ConfigurationSchema.text(defaultValue))`"
        case .flag(let defaultValue): "`\(defaultValue)`"
        case .duration(let defaultValue, _): "`\(defaultValue.shortDescription)`"
        case .texts(let defaultValue): "`[\(defaultValue.joined(separator: ", "))]`"
        case .integers(let defaultValue, _): "`[\(defaultValue.map(String.init).joined(separator: ", "))]`"
        }
    }

    private static func values(_ value: ConfigurationSchema.Value) -> String {
        switch value {
        case .text(_, let choices) where !choices.isEmpty: choices.map { "`\($0)`" }.joined(separator: " or ")
        case .text, .requiredText: "text"
        case .integer(_, let minimum): "\(minimum) or more"
        case .number(_, let range):
            "\(ConfigurationSchema.text(range.lowerBound)) to \(ConfigurationSchema.text(range.upperBound))"
        case .flag: "`true` or `false`"
        case .duration(_, let range):
            "\(range.lowerBound == .zero ? "0" : range.lowerBound.shortDescription) to \(range.upperBound.shortDescription)"
        case .texts: "list of text"
        case .integers(_, let range): "list of \(range.lowerBound) to \(range.upperBound)"
        }
    }
}
