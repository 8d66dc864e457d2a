import Crypto

import struct Foundation.Data

/// The digests a request carries: `Content-MD5` (base64 of the body's MD5, which SeaweedFS and AWS check: a body
/// damaged on the way is refused with 400 BadDigest) and `x-amz-content-sha256` (the body's SHA-256 in hex,
/// which the signature covers, so the body cannot be swapped under a valid signature on a store that checks it).
enum S3Digest {
    /// The SHA-256 of no bytes: the payload hash of a GET, HEAD or DELETE.
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func md5(_ bytes: [UInt8]) -> [UInt8] {
        Array(Insecure.MD5.hash(data: bytes))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        bytes.isEmpty ? emptySHA256 : hex(Array(SHA256.hash(data: bytes)))
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// Lower-case hex.
    static func hex(_ bytes: [UInt8]) -> String {
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.unicodeScalars.append(hexDigits[Int(byte >> 4)])
            text.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
        }
        return text
    }

    /// The value of one hex digit, either case.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static let hexDigits: [Unicode.Scalar] = Array("0123456789abcdef".unicodeScalars)
}
