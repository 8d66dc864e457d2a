/// An object's entity tag as the store gives it: in an answer's `ETag` header or a listing's `<ETag>`, quoted
/// (`"b1946ac9…"`), or unquoted (SeaweedFS's copy result).
///
/// For an object written in one PUT it is the MD5 of its bytes on SeaweedFS, moto, MinIO and AWS without
/// SSE-KMS or SSE-C: so the same bytes give the same ETag, and a write that must be told apart from an earlier
/// one (a lease renewal) must change its bytes.
package struct S3ETag: Sendable, Hashable, CustomStringConvertible {
    /// The tag without its quotes.
    package let value: String

    /// The tag in `text`, quoted or not; `nil` when it is empty, weak (`W/"…"`), longer than 256 bytes or holds
    /// anything but printable ASCII (a hostile answer).
    package init?(_ text: String) {
        var value = Substring(text)
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = value.dropFirst().dropLast()
        }
        guard !value.isEmpty, value.utf8.count <= 256,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") })
        else { return nil }
        self.value = String(value)
    }

    /// The ETag of bytes whose MD5 is `md5`.
    init(md5: [UInt8]) {
        self.value = S3Digest.hex(md5)
    }

    /// The tag as `If-Match` sends it: quoted.
    package var quoted: String { "\"" + value + "\"" }

    /// Whether the tag has the form of an MD5 (32 hex digits): a multipart upload's ends in `-<parts>`.
    var isMD5Form: Bool {
        value.utf8.count == 32 && value.utf8.allSatisfy { S3Digest.hexValue($0) != nil }
    }

    /// Whether the tag is the MD5 `md5` (hex digits compared without regard to case).
    func isMD5(_ md5: [UInt8]) -> Bool {
        value.lowercased() == S3Digest.hex(md5)
    }

    package var description: String { quoted }
}
