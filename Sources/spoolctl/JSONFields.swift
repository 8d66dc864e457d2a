/// A value whose JSON object lists every field, `null` for one without a value — the one rule for absent
/// values in all of spoolctl's JSON (a synthesized `Encodable` would leave such fields out).
protocol JSONFields: Encodable {
    /// The fields in order: name and value, `nil` written as `null`.
    var jsonFields: [(String, (any Encodable)?)] { get }
}

extension JSONFields {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldName.self)
        for (name, value) in jsonFields {
            if let value {
                try container.encode(value, forKey: FieldName(name))
            } else {
                try container.encodeNil(forKey: FieldName(name))
            }
        }
    }
}

/// A field name of a ``JSONFields`` value.
struct FieldName: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
