extension UnescapedText {
    /// `&#NN;`, `&#xHH;` and the named references of the characters secrets are made of (`&sol;`); and, as
    /// HTML5 reads them too, numeric references without their `;` (`&#66&#97`, `&#x42`) and `&amp`, `&lt`,
    /// `&gt`, `&quot`.
    static func characterReference(in text: [UInt8], at index: Int) -> Escape? {
        let nameStart = index + 1
        guard nameStart < text.count else { return nil }
        if text[nameStart] == UInt8(ascii: "#") {
            return numericReference(in: text, at: index)
        }
        let name = text[nameStart...].prefix(maxNameLength + 1).prefix { isLetter($0) || isDecimalDigit($0) }
        if name.endIndex < text.count, text[name.endIndex] == UInt8(ascii: ";"),
            let byte = namedReferences[String(decoding: name, as: UTF8.self)]
        {
            return Escape(value: [byte], length: name.endIndex + 1 - index)
        }
        for (legacy, byte) in referencesWithoutSemicolon where name.starts(with: legacy.utf8) {
            return Escape(value: [byte], length: 1 + legacy.utf8.count)
        }
        return nil
    }

    /// `&#NN;` or `&#xHH;`, or either without its `;`.
    ///
    /// Without `;`, HTML5 takes every digit that follows: `&#479` is U+01DF. But a secret in a header is
    /// printable ASCII far more often than not, and an echo that writes only its punctuation as references
    /// without `;` writes `/9` as `&#479`. So when all the digits do not make a printable ASCII character and
    /// fewer of them do, the longest run of digits that does is taken (`&#47`, then `9`).
    private static func numericReference(in text: [UInt8], at index: Int) -> Escape? {
        var position = index + 2
        let isHex = position < text.count && text[position] | 0x20 == UInt8(ascii: "x")
        if isHex { position += 1 }
        let digitsStart = position
        var value: UInt32 = 0
        var printable: (byte: UInt8, end: Int)?
        while position < text.count, let digit = isHex ? hexValue(text[position]) : decimalValue(text[position]) {
            // Past the last scalar it stays past it: no overflow, however many digits.
            value = min(value * (isHex ? 16 : 10) + digit, 0x11_0000)
            position += 1
            if printableASCII.contains(value) { printable = (UInt8(value), position) }
        }
        guard position > digitsStart else { return nil }
        if position < text.count, text[position] == UInt8(ascii: ";") {
            return utf8(value).map { Escape(value: $0, length: position + 1 - index) }
        }
        let mayBeCut = position == text.count
        if !printableASCII.contains(value), let printable {
            return Escape(value: [printable.byte], length: printable.end - index, mayBeCut: mayBeCut)
        }
        return utf8(value).map { Escape(value: $0, length: position - index, mayBeCut: mayBeCut) }
    }

    private static let printableASCII: ClosedRange<UInt32> = 0x20...0x7E

    private static func isDecimalDigit(_ byte: UInt8) -> Bool {
        decimalValue(byte) != nil
    }

    private static func decimalValue(_ byte: UInt8) -> UInt32? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? UInt32(byte - UInt8(ascii: "0")) : nil
    }

    private static let namedReferences: [String: UInt8] =
        ([
            "amp": "&", "AMP": "&", "lt": "<", "LT": "<", "gt": ">", "GT": ">", "quot": "\"", "QUOT": "\"",
            "apos": "'", "sol": "/", "bsol": "\\", "plus": "+", "equals": "=", "colon": ":", "lowbar": "_",
            "UnderBar": "_", "percnt": "%", "commat": "@", "quest": "?", "num": "#", "excl": "!", "period": ".",
            "comma": ",", "semi": ";", "dollar": "$", "ast": "*", "lpar": "(", "rpar": ")", "grave": "`", "Hat": "^",
            "verbar": "|", "vert": "|", "lsqb": "[", "rsqb": "]", "lcub": "{", "rcub": "}",
        ] as [String: Unicode.Scalar]).mapValues { UInt8(ascii: $0) }

    private static let maxNameLength = namedReferences.keys.map(\.utf8.count).max() ?? 0

    /// The named references of ASCII characters that HTML5 also reads without `;` (its legacy ones).
    private static let referencesWithoutSemicolon: [(String, UInt8)] = [
        ("amp", UInt8(ascii: "&")), ("AMP", UInt8(ascii: "&")), ("lt", UInt8(ascii: "<")), ("LT", UInt8(ascii: "<")),
        ("gt", UInt8(ascii: ">")), ("GT", UInt8(ascii: ">")), ("quot", UInt8(ascii: "\"")),
        ("QUOT", UInt8(ascii: "\"")),
    ]
}
