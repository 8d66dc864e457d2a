/// Why a delivery attempt failed, short enough to store with the event and show to a person.
public struct AttemptError: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status, when the broker answered.
    public var status: Int?
    /// What went wrong, for example `HTTP 503: overloaded` or `connection refused`.
    /// At most ``maxMessageBytes`` bytes, one line.
    public var message: String

    /// The longest message kept.
    public static let maxMessageBytes = 512

    public init(status: Int?, message: String) {
        self.status = status
        self.message = Self.oneLine(message)
    }

    public var description: String { message }

    /// The first line of `text`, cut to ``maxMessageBytes`` on a character boundary.
    static func oneLine(_ text: String) -> String {
        // By scalars, not characters: "\r\n" is one character, equal to neither "\r" nor "\n".
        let end = text.unicodeScalars.firstIndex { $0 == "\n" || $0 == "\r" } ?? text.endIndex
        var line = text[..<end]
        while line.utf8.count > maxMessageBytes {
            line = line.dropLast()
        }
        return String(line)
    }
}
