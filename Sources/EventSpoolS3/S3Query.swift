/// A request's query string as AWS Signature Version 4 wants it signed: parameters sorted by name, names and
/// values URI-encoded the AWS way (everything but `A–Z a–z 0–9 - _ . ~` as `%XX` with upper-case hex, `/`
/// included).
///
/// libcurl 7.88 signs the query exactly as written (it neither sorts nor re-encodes it), so the request must
/// carry this canonical form: `?prefix=a/&list-type=2` or `?list-type=2&prefix=a/` gets 403 from SeaweedFS,
/// `?list-type=2&prefix=a%2F` does not.
package struct S3Query: Sendable, Hashable {
    private var parameters: [(name: String, value: String)] = []

    package init() {}

    package static func == (lhs: S3Query, rhs: S3Query) -> Bool {
        lhs.encoded == rhs.encoded
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(encoded)
    }

    /// Adds `name=value`; a `nil` value adds nothing.
    package mutating func add(_ name: String, _ value: String?) {
        guard let value else { return }
        parameters.append((name, value))
    }

    /// The value of the first parameter named `name`.
    package func value(of name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// Whether there are no parameters.
    package var isEmpty: Bool { parameters.isEmpty }

    /// `name=value&…`, sorted and encoded; empty when there are no parameters.
    package var encoded: String {
        parameters
            .map { (name: Self.encode($0.name), value: Self.encode($0.value)) }
            .sorted { ($0.name, $0.value) < ($1.name, $1.value) }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
    }

    /// `text` URI-encoded as AWS Signature Version 4 wants a query name or value.
    package static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(hexDigits[Int(byte >> 4)]) + String(hexDigits[Int(byte & 0x0F)])
            }
        }
        return encoded
    }

    private static let hexDigits = Array("0123456789ABCDEF")
}
