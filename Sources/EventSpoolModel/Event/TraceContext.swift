/// W3C Trace Context (https://www.w3.org/TR/trace-context/) checks for `traceparent`.
package enum TraceContext {
    /// The longest `traceparent` accepted: a future version may add fields, but not without bound.
    package static let maxLength = 512

    /// Accepts `version-traceid-parentid-flags` as lower-case hex, 2-32-16-2 digits, with a non-zero
    /// trace id and parent id and a version other than `ff`. Future versions may append fields.
    package static func validateTraceparent(_ value: String) throws(EventValidationError) {
        let bytes = Array(value.utf8)
        func fail(_ reason: String) -> EventValidationError {
            EventValidationError(field: "traceparent", reason: reason)
        }
        guard bytes.count >= 55 else {
            throw fail("must look like 00-<32 hex>-<16 hex>-<2 hex>")
        }
        guard bytes.count <= maxLength else {
            throw fail("is \(bytes.count) bytes, more than \(maxLength)")
        }
        let dashes = [2, 35, 52]
        for index in 0..<55 {
            if dashes.contains(index) {
                guard bytes[index] == UInt8(ascii: "-") else {
                    throw fail("must look like 00-<32 hex>-<16 hex>-<2 hex>")
                }
            } else if !isLowerHex(bytes[index]) {
                throw fail("must be lower-case hexadecimal")
            }
        }
        let version = bytes[0..<2]
        if version.elementsEqual("ff".utf8) {
            throw fail("version ff is invalid")
        }
        if version.elementsEqual("00".utf8) && bytes.count != 55 {
            throw fail("version 00 must be exactly 55 characters")
        }
        if bytes.count > 55 && bytes[55] != UInt8(ascii: "-") {
            throw fail("must look like 00-<32 hex>-<16 hex>-<2 hex>")
        }
        // A later version's extra fields are hex and dashes too; anything else could end the header.
        if !bytes[55...].allSatisfy({ isLowerHex($0) || $0 == UInt8(ascii: "-") }) {
            throw fail("must be lower-case hexadecimal and dashes")
        }
        if bytes[3..<35].allSatisfy({ $0 == UInt8(ascii: "0") }) {
            throw fail("trace id must not be all zeros")
        }
        if bytes[36..<52].allSatisfy({ $0 == UInt8(ascii: "0") }) {
            throw fail("parent id must not be all zeros")
        }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
