/// A text as a log record or a message shows it: on one line whatever it holds, and bounded.
///
/// Control characters — line breaks above all, which would split a record or forge another — are
/// escaped as in a Swift string literal (`\n`, `\r`, `\t`, `\u{1B}`), and so are DEL, the C1 controls
/// and the Unicode line and paragraph separators. Beyond ``maxBytes`` (UTF-8) the text is cut, saying
/// how much was left out.
package struct LoggedText: CustomStringConvertible {
    /// The longest text shown by default: an attribute, a URL, a message.
    package static let defaultMaxBytes = 1024

    let text: String
    let maxBytes: Int
    /// Whether `\` is escaped as `\\` too, so that the text can be read back exactly (an event body).
    let escapesBackslashes: Bool

    package init(_ text: String, maxBytes: Int = defaultMaxBytes, escapesBackslashes: Bool = false) {
        self.text = text
        self.maxBytes = maxBytes
        self.escapesBackslashes = escapesBackslashes
    }

    package var description: String {
        var shown = ""
        var shownBytes = 0
        var consumedBytes = 0
        for scalar in text.unicodeScalars {
            let piece = escaped(scalar)
            guard shownBytes + piece.utf8.count <= maxBytes else {
                return shown + " … (\(text.utf8.count - consumedBytes) bytes of \(text.utf8.count) not logged)"
            }
            shown += piece
            shownBytes += piece.utf8.count
            consumedBytes += UTF8.width(scalar)
        }
        return shown
    }

    private func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\\": return escapesBackslashes ? "\\\\" : "\\"
        case _ where Self.mustBeEscaped(scalar):
            return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default: return String(scalar)
        }
    }

    /// C0 and C1 controls, DEL, and the line and paragraph separators some viewers break lines at.
    static func mustBeEscaped(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
