import struct Foundation.Data

/// An event body as it appears in a last-resort log line: the text when it is printable UTF-8,
/// otherwise base64, so the event can be recovered from the log.
struct LoggedBody: CustomStringConvertible {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var description: String {
        if let text = String(validating: bytes, as: UTF8.self),
            !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        {
            return text
        }
        return "base64:" + Data(bytes).base64EncodedString()
    }
}
