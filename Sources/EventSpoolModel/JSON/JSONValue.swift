import struct Foundation.Data
import class Foundation.JSONDecoder

/// A JSON value with its exact type kept: `true` is not the number 1, and `5` is not `"5"`.
///
/// spoolctl's strict configuration parser builds it (duplicate keys and trailing commas refused there); tests
/// decode what other programs printed into it, to compare with what was sent.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package var kindName: String {
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
    package var summary: String {
        switch self {
        case .bool(let value): "\(kindName) (\(value))"
        case .integer(let value): "\(kindName) (\(value))"
        case .number(let value): "\(kindName) (\(value))"
        case .string(let value) where value.count <= 60: "\(kindName) (\"\(value)\")"
        default: kindName
        }
    }
}

extension JSONValue: Decodable {
    package init(from decoder: any Decoder) throws {
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

    /// Parses `bytes` as JSON (Foundation's parser: for values other programs printed, not for configuration).
    package static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }
}
