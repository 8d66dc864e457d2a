import EventSpool

/// A JSON value with its exact type kept: `true` is not the number 1, and `5` is not `"5"`.
enum JSONValue {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    func matches(_ kind: ConfigurationSchema.Kind) -> Bool {
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
