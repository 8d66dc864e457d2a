import EventSpoolModel
import EventSpoolStorage

import struct Foundation.Data

/// An event body as it appears in a last-resort log record: the text when it is UTF-8, with `\`, line
/// breaks and other control characters escaped (``LoggedText``) so that it stays on one line and can be
/// read back exactly; otherwise base64. Either way at most ``maxBytes`` bytes are logged, then how many
/// bytes of the body were left out: a 5 MB body does not make a 5 MB record.
struct LoggedBody: CustomStringConvertible {
    /// The most bytes of a body's text or base64 in a record (journald splits records beyond 48 KiB).
    static let maxBytes = 16 * 1024

    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var description: String {
        if let text = String(validating: bytes, as: UTF8.self) {
            return LoggedText(text, maxBytes: Self.maxBytes, escapesBackslashes: true).description
        }
        let kept = bytes.prefix((Self.maxBytes - 7) / 4 * 3)
        let encoded = "base64:" + Data(kept).base64EncodedString()
        guard kept.count < bytes.count else { return encoded }
        return encoded + " … (\(bytes.count - kept.count) bytes of \(bytes.count) not logged)"
    }
}
