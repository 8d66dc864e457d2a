/// A text with one round of escapes decoded — JSON (`\/`, `\"`, `\\`, `\uXXXX`, `\xXX`), percent-encoding
/// (`%2F`) and HTML character references (`&#47;`, `&#x2F;`, `&sol;`, and as HTML5 reads them, `&#47` without
/// its `;`) — and line breaks removed (a secret wrapped over lines reads whole), each byte knowing which bytes
/// of the original text it came from.
///
/// ``SecretRedactor`` searches the original and its unescaped forms, and replaces what a match came from.
package struct UnescapedText {
    /// The decoded bytes.
    package private(set) var bytes: [UInt8]
    /// For each decoded byte, the bytes of the original text it was decoded from; `nil` while nothing is
    /// decoded (each byte is its own origin).
    private var origins: [Range<Int>]?
    /// Where, in the original text, a reference without `;` begins whose digits run to the end of the text: in
    /// a text cut at a limit, it may have lost digits (`&#22` of `&#228`) and stand for another character.
    private var openReferenceStart: Int?

    /// The text itself, nothing decoded yet.
    package init(_ text: [UInt8]) {
        bytes = text
        origins = nil
        openReferenceStart = nil
    }

    private init(bytes: [UInt8], origins: [Range<Int>], openReferenceStart: Int?) {
        self.bytes = bytes
        self.origins = origins
        self.openReferenceStart = openReferenceStart
    }

    /// The bytes of the original text that `range` of the decoded bytes came from.
    func origin(of range: Range<Int>) -> Range<Int> {
        guard let origins else { return range }
        return origins[range.lowerBound].lowerBound..<origins[range.upperBound - 1].upperBound
    }

    /// One more round of escapes decoded, or `nil` when there is none to decode.
    package func unescaped() -> UnescapedText? {
        // Most bodies hold no escape at all: no copy then.
        guard bytes.contains(where: Self.mayStartEscapeOrBreak) else { return nil }
        var decoded: [UInt8] = []
        var decodedOrigins: [Range<Int>] = []
        decoded.reserveCapacity(bytes.count)
        decodedOrigins.reserveCapacity(bytes.count)
        var changed = false
        var openReferenceStart = self.openReferenceStart
        var index = 0
        while index < bytes.count {
            if let escape = Self.escape(in: bytes, at: index) {
                let source = origin(of: index..<(index + escape.length))
                decoded += escape.value
                decodedOrigins += repeatElement(source, count: escape.value.count)
                index += escape.length
                changed = true
                if escape.mayBeCut {
                    openReferenceStart = min(openReferenceStart ?? source.lowerBound, source.lowerBound)
                }
            } else if bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") {
                index += 1
                changed = true
            } else {
                decoded.append(bytes[index])
                decodedOrigins.append(origin(of: index..<(index + 1)))
                index += 1
            }
        }
        return changed
            ? UnescapedText(bytes: decoded, origins: decodedOrigins, openReferenceStart: openReferenceStart) : nil
    }

    /// Where a secret's beginning may end in a text cut at a limit: before an escape cut in two (`\u00`, `%2`,
    /// `&#x2`), which is not decoded, and before the last character when it came from a reference without `;`
    /// that the cut may have robbed of digits (`&#22`, decoded, of `&#228`). Indices into ``bytes``.
    func cutEnds() -> [Int] {
        var ends = [bytes.count - Self.cutEscapeLength(at: bytes)]
        if let openReferenceStart, let origins {
            var end = bytes.count
            while end > 0, origins[end - 1].upperBound > openReferenceStart { end -= 1 }
            if !ends.contains(end) { ends.append(end) }
        }
        return ends
    }

    /// How many bytes at the end of `text` are an escape cut in two (`\`, `\u00`, `%2`, `&#x2`), which a text
    /// cut at a limit may end with.
    private static func cutEscapeLength(at text: [UInt8]) -> Int {
        let tail = text.suffix(12)
        // An odd run of backslashes ends in one that escapes nothing yet.
        let backslashes = tail.reversed().prefix { $0 == UInt8(ascii: "\\") }.count
        if backslashes % 2 == 1 { return 1 }
        if let backslash = tail.suffix(6).lastIndex(of: UInt8(ascii: "\\")) {
            let rest = text[(backslash + 1)...]
            if let kind = rest.first, kind == UInt8(ascii: "u") || kind == UInt8(ascii: "x"),
                rest.dropFirst().allSatisfy(isHexDigit), rest.count - 1 < (kind == UInt8(ascii: "u") ? 4 : 2)
            {
                return text.count - backslash
            }
        }
        if let percent = tail.suffix(3).lastIndex(of: UInt8(ascii: "%")), text[(percent + 1)...].allSatisfy(isHexDigit)
        {
            return text.count - percent
        }
        if let ampersand = tail.lastIndex(of: UInt8(ascii: "&")),
            text[(ampersand + 1)...].allSatisfy({ isHexDigit($0) || isLetter($0) || $0 == UInt8(ascii: "#") })
        {
            return text.count - ampersand
        }
        return 0
    }

    // MARK: - Escapes

    private static func mayStartEscapeOrBreak(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "&")
            || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// What an escape stands for and how many bytes spell it.
    struct Escape {
        var value: [UInt8]
        var length: Int
        /// Whether it is a reference without `;` whose digits run to the end of the text: a cut may have taken
        /// some of them.
        var mayBeCut = false
    }

    /// The escape that starts at `index`, or `nil` when none does.
    private static func escape(in text: [UInt8], at index: Int) -> Escape? {
        switch text[index] {
        case UInt8(ascii: "\\"): return backslashEscape(in: text, at: index)
        case UInt8(ascii: "%"): return hexByte(in: text, at: index + 1).map { Escape(value: [$0], length: 3) }
        case UInt8(ascii: "&"): return characterReference(in: text, at: index)
        default: return nil
        }
    }

    /// `\/`, `\"`, `\\`, `\'`, `\n`, `\r`, `\t`, `\xXX`, `\uXXXX` (a surrogate pair as two).
    private static func backslashEscape(in text: [UInt8], at index: Int) -> Escape? {
        guard index + 1 < text.count else { return nil }
        switch text[index + 1] {
        case UInt8(ascii: "/"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "'"):
            return Escape(value: [text[index + 1]], length: 2)
        case UInt8(ascii: "n"): return Escape(value: [UInt8(ascii: "\n")], length: 2)
        case UInt8(ascii: "r"): return Escape(value: [UInt8(ascii: "\r")], length: 2)
        case UInt8(ascii: "t"): return Escape(value: [UInt8(ascii: "\t")], length: 2)
        case UInt8(ascii: "x"): return hexByte(in: text, at: index + 2).map { Escape(value: [$0], length: 4) }
        case UInt8(ascii: "u"):
            guard let unit = hexNumber(in: text, at: index + 2, digits: 4) else { return nil }
            if (0xD800..<0xDC00).contains(unit), index + 11 < text.count, text[index + 6] == UInt8(ascii: "\\"),
                text[index + 7] == UInt8(ascii: "u"), let low = hexNumber(in: text, at: index + 8, digits: 4),
                (0xDC00..<0xE000).contains(low)
            {
                return utf8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)).map { Escape(value: $0, length: 12) }
            }
            return utf8(unit).map { Escape(value: $0, length: 6) }
        default:
            return nil
        }
    }
}

extension UnescapedText {
    static func isHexDigit(_ byte: UInt8) -> Bool {
        hexValue(byte) != nil
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The number written with `digits` hex digits at `index`, or `nil`.
    static func hexNumber(in text: [UInt8], at index: Int, digits: Int) -> UInt32? {
        guard digits <= 6, index + digits <= text.count else { return nil }
        var value: UInt32 = 0
        for byte in text[index..<(index + digits)] {
            guard let digit = hexValue(byte) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    static func hexByte(in text: [UInt8], at index: Int) -> UInt8? {
        hexNumber(in: text, at: index, digits: 2).map { UInt8($0) }
    }

    /// The UTF-8 bytes of the scalar `value`, or `nil` when it is not one (a lone surrogate).
    static func utf8(_ value: UInt32) -> [UInt8]? {
        Unicode.Scalar(value).map { Array(String($0).utf8) }
    }
}
