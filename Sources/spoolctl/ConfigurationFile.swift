import Foundation

/// A `--config` JSON file, read and checked against ``ConfigurationKeys`` before any value is used:
/// malformed JSON, an unknown key or a value of the wrong type is an error naming the file and the key.
struct ConfigurationFile {
    /// The file's path as given.
    let path: String
    /// The dotted keys the file sets.
    let keys: Set<String>

    /// Reads and checks the file at `path`.
    ///
    /// - Throws: ``CommandFailure`` with status `configuration` (78).
    init(path: String) throws(CommandFailure) {
        self.path = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure(.configuration, "cannot read the configuration file \(path): \(Self.reason(error))")
        }
        let root: JSONValue
        do {
            // JSONSerialization says where the syntax breaks; the decoder keeps each value's exact type.
            _ = try JSONSerialization.jsonObject(with: data)
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw CommandFailure(
                .configuration,
                "the configuration file \(path) is not valid JSON: \(Self.reason(error, in: data))"
            )
        }
        guard case .object(let members) = root else {
            throw CommandFailure(
                .configuration,
                "the configuration file \(path) must hold a JSON object, found \(root.kindName)"
            )
        }
        var keys = Set<String>()
        try Self.check(members, prefix: "", path: path, keys: &keys)
        self.keys = keys
    }

    private static func check(
        _ members: [String: JSONValue],
        prefix: String,
        path: String,
        keys: inout Set<String>
    ) throws(CommandFailure) {
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            let key = prefix + name
            if let kind = ConfigurationKeys.all[key] {
                guard value.matches(kind) else {
                    let found = ConfigurationKeys.secret.contains(key) ? value.kindName : value.summary
                    throw CommandFailure(
                        .configuration,
                        "configuration key '\(key)' in \(path): expected \(kind.expected), found \(found)"
                    )
                }
                keys.insert(key)
            } else if ConfigurationKeys.scopes.contains(key) {
                guard case .object(let nested) = value else {
                    throw CommandFailure(
                        .configuration,
                        "configuration key '\(key)' in \(path): expected an object of \(key).* keys, "
                            + "found \(value.kindName)"
                    )
                }
                try check(nested, prefix: key + ".", path: path, keys: &keys)
            } else {
                var message = "unknown configuration key '\(key)' in \(path)"
                if let suggestion = ConfigurationKeys.suggestion(for: key) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                throw CommandFailure(.configuration, message)
            }
        }
    }

    /// Why reading failed, with the line and column when the error gives a character offset.
    private static func reason(_ error: any Error, in data: Data? = nil) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.debugDescription
        }
        let nsError = error as NSError
        guard let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String else {
            return nsError.localizedDescription
        }
        // "Invalid value around character 15." → add "(line 2, column 6)".
        guard let data, let range = detail.range(of: "character "),
            let offset = Int(detail[range.upperBound...].prefix { $0.isNumber })
        else { return detail }
        let before = data.prefix(offset)
        let line = before.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "\(detail) (line \(line), column \(column))"
    }
}

/// A JSON value with its exact type kept: `true` is not the number 1, and `5` is not `"5"`.
private enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func matches(_ kind: ConfigurationKeys.Kind) -> Bool {
        switch (kind, self) {
        case (.string, .string), (.integer, .integer), (.boolean, .bool): true
        case (.number, .integer), (.number, .number): true
        case (.duration, .string), (.duration, .integer), (.duration, .number): true
        case (.strings, .array(let values)): values.allSatisfy { if case .string = $0 { true } else { false } }
        case (.integers, .array(let values)): values.allSatisfy { if case .integer = $0 { true } else { false } }
        default: false
        }
    }

    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "a whole number"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The kind and, for short scalars, the value: `a string ("sixteen")`.
    var summary: String {
        switch self {
        case .bool(let value): "\(kindName) (\(value))"
        case .integer(let value): "\(kindName) (\(value))"
        case .number(let value): "\(kindName) (\(value))"
        case .string(let value) where value.count <= 60: "\(kindName) (\"\(value)\")"
        default: kindName
        }
    }
}
