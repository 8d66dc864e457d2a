/// A text with one round of escapes decoded — JSON (`\/`, `\"`, `\\`, `\uXXXX`, `\xXX`), percent-encoding
/// (`%2F`) and HTML character references (`&#47;`, `&#x2F;`, `&sol;`) — and line breaks removed (a secret
/// wrapped over lines reads whole), each byte knowing which bytes of the original text it came from.
///
/// ``SecretRedactor`` searches the original and its unescaped forms, and replaces what a match came from.
struct UnescapedText {
    /// The decoded bytes.
    private(set) var bytes: [UInt8]
    /// For each decoded byte, the bytes of the original text it was decoded from; `nil` while nothing is
    /// decoded (each byte is its own origin).
    private var origins: [Range<Int>]?

    /// The text itself, nothing decoded yet.
    init(_ text: [UInt8]) {
        bytes = text
        origins = nil
    }

    private init(bytes: [UInt8], origins: [Range<Int>]) {
        self.bytes = bytes
        self.origins = origins
    }

    /// The bytes of the original text that `range` of the decoded bytes came from.
    func origin(of range: Range<Int>) -> Range<Int> {
        guard let origins else { return range }
        return origins[range.lowerBound].lowerBound..<origins[range.upperBound - 1].upperBound
    }

    /// One more round of escapes decoded, or `nil` when there is none to decode.
    func unescaped() -> UnescapedText? {
        // Most bodies hold no escape at all: no copy then.
        guard bytes.contains(where: Self.mayStartEscapeOrBreak) else { return nil }
        var decoded: [UInt8] = []
        var decodedOrigins: [Range<Int>] = []
        decoded.reserveCapacity(bytes.count)
        decodedOrigins.reserveCapacity(bytes.count)
        var changed = false
        var index = 0
        while index < bytes.count {
            if let (value, length) = Self.escape(in: bytes, at: index) {
                let source = origin(of: index..<(index + length))
                decoded += value
                decodedOrigins += repeatElement(source, count: value.count)
                index += length
                changed = true
            } else if bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") {
                index += 1
                changed = true
            } else {
                decoded.append(bytes[index])
                decodedOrigins.append(origin(of: index..<(index + 1)))
                index += 1
            }
        }
        return changed ? UnescapedText(bytes: decoded, origins: decodedOrigins) : nil
    }

    /// How many bytes at the end of `text` are an escape cut in two (`\`, `\u00`, `%2`, `&#x2`), which a text
    /// cut at a limit may end with.
    static func cutEscapeLength(at text: [UInt8]) -> Int {
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

    /// The bytes an escape at `index` stands for, and its length; `nil` when no escape starts there.
    private static func escape(in text: [UInt8], at index: Int) -> ([UInt8], Int)? {
        switch text[index] {
        case UInt8(ascii: "\\"): return backslashEscape(in: text, at: index)
        case UInt8(ascii: "%"): return hexByte(in: text, at: index + 1).map { ([$0], 3) }
        case UInt8(ascii: "&"): return characterReference(in: text, at: index)
        default: return nil
        }
    }

    /// `\/`, `\"`, `\\`, `\'`, `\n`, `\r`, `\t`, `\xXX`, `\uXXXX` (a surrogate pair as two).
    private static func backslashEscape(in text: [UInt8], at index: Int) -> ([UInt8], Int)? {
        guard index + 1 < text.count else { return nil }
        switch text[index + 1] {
        case UInt8(ascii: "/"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "'"):
            return ([text[index + 1]], 2)
        case UInt8(ascii: "n"): return ([UInt8(ascii: "\n")], 2)
        case UInt8(ascii: "r"): return ([UInt8(ascii: "\r")], 2)
        case UInt8(ascii: "t"): return ([UInt8(ascii: "\t")], 2)
        case UInt8(ascii: "x"): return hexByte(in: text, at: index + 2).map { ([$0], 4) }
        case UInt8(ascii: "u"):
            guard let unit = hexNumber(in: text, at: index + 2, digits: 4) else { return nil }
            if (0xD800..<0xDC00).contains(unit), index + 11 < text.count, text[index + 6] == UInt8(ascii: "\\"),
                text[index + 7] == UInt8(ascii: "u"), let low = hexNumber(in: text, at: index + 8, digits: 4),
                (0xDC00..<0xE000).contains(low)
            {
                return utf8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)).map { ($0, 12) }
            }
            return utf8(unit).map { ($0, 6) }
        default:
            return nil
        }
    }

    /// `&#NN;`, `&#xHH;` and the named references of the characters secrets are made of.
    private static func characterReference(in text: [UInt8], at index: Int) -> ([UInt8], Int)? {
        guard let semicolon = text[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let name = text[(index + 1)..<semicolon]
        let length = semicolon + 1 - index
        if name.first == UInt8(ascii: "#") {
            let digits = name.dropFirst()
            let value: UInt32?
            if let first = digits.first, first | 0x20 == UInt8(ascii: "x") {
                value =
                    digits.count > 1 ? hexNumber(in: text, at: digits.startIndex + 1, digits: digits.count - 1) : nil
            } else if !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                value = digits.count <= 7 ? digits.reduce(0) { $0 * 10 + UInt32($1 - UInt8(ascii: "0")) } : nil
            } else {
                value = nil
            }
            return value.flatMap(utf8).map { ($0, length) }
        }
        return namedReferences[String(decoding: name, as: UTF8.self)].map { ([$0], length) }
    }

    private static let namedReferences: [String: UInt8] =
        ([
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "sol": "/", "bsol": "\\", "plus": "+",
            "equals": "=", "colon": ":", "lowbar": "_", "UnderBar": "_", "percnt": "%", "commat": "@", "quest": "?",
            "num": "#", "excl": "!", "period": ".", "comma": ",", "semi": ";", "dollar": "$", "ast": "*", "lpar": "(",
            "rpar": ")", "grave": "`", "Hat": "^", "verbar": "|", "vert": "|",
            "lsqb": "[", "rsqb": "]", "lcub": "{", "rcub": "}",
        ] as [String: Unicode.Scalar]).mapValues { UInt8(ascii: $0) }
}

extension UnescapedText {
    fileprivate static func isHexDigit(_ byte: UInt8) -> Bool {
        hexValue(byte) != nil
    }

    fileprivate static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The number written with `digits` hex digits at `index`, or `nil`.
    fileprivate static func hexNumber(in text: [UInt8], at index: Int, digits: Int) -> UInt32? {
        guard digits <= 6, index + digits <= text.count else { return nil }
        var value: UInt32 = 0
        for byte in text[index..<(index + digits)] {
            guard let digit = hexValue(byte) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    fileprivate static func hexByte(in text: [UInt8], at index: Int) -> UInt8? {
        hexNumber(in: text, at: index, digits: 2).map { UInt8($0) }
    }

    /// The UTF-8 bytes of the scalar `value`, or `nil` when it is not one (a lone surrogate).
    fileprivate static func utf8(_ value: UInt32) -> [UInt8]? {
        Unicode.Scalar(value).map { Array(String($0).utf8) }
    }
}
