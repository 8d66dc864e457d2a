import EventSpool
import EventSpoolModel

extension JSONValue {
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
}
