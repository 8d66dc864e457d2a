/// A way a broker, a proxy or a log may write a secret it was sent: as it is, JSON-escaped, percent-encoded,
/// as HTML entities (with or without their closing `;`), escaped twice, or wrapped over lines.
///
/// Tests use it twice: a ``BrokerBehavior/echo(_:headers:body:)`` writes a secret in one encoding, and
/// ``SecretLeakCheck`` looks for a secret in every encoding.
public struct SecretEncoding: Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Hashable {
        case plain
        case jsonSlash
        case jsonUnicode(uppercase: Bool)
        case percent(uppercase: Bool)
        case htmlDecimal
        case htmlHex
        case htmlNumericWithoutSemicolon(hex: Bool)
        case htmlNamed
        case jsonTwice
        case wrapped(width: Int)
    }

    private let kind: Kind

    /// The text as it is.
    public static let plain = SecretEncoding(kind: .plain)
    /// JSON as PHP and Foundation write it by default: `/` as `\/`.
    public static let jsonSlash = SecretEncoding(kind: .jsonSlash)
    /// JSON with every character that is not a letter or a digit as `\u00xx` (lower-case hex).
    public static let jsonUnicode = SecretEncoding(kind: .jsonUnicode(uppercase: false))
    /// JSON with every character that is not a letter or a digit as `\u00XX` (upper-case hex; .NET's default
    /// encoder writes `+` so).
    public static let jsonUnicodeUppercase = SecretEncoding(kind: .jsonUnicode(uppercase: true))
    /// Percent-encoding of every character that is not a letter or a digit, `%2B`.
    public static let percent = SecretEncoding(kind: .percent(uppercase: true))
    /// Percent-encoding with lower-case hex, `%2b`.
    public static let percentLowercase = SecretEncoding(kind: .percent(uppercase: false))
    /// HTML decimal character references, `&#43;`.
    public static let htmlDecimal = SecretEncoding(kind: .htmlDecimal)
    /// HTML hexadecimal character references, `&#x2B;`.
    public static let htmlHex = SecretEncoding(kind: .htmlHex)
    /// Every character as an HTML decimal character reference without its closing `;`, `&#66&#97`: HTML5 still
    /// reads it (a parse error, not a different text).
    public static let htmlDecimalWithoutSemicolon = SecretEncoding(kind: .htmlNumericWithoutSemicolon(hex: false))
    /// Every character as an HTML hexadecimal character reference without its closing `;`, `&#x42&#x61`.
    public static let htmlHexWithoutSemicolon = SecretEncoding(kind: .htmlNumericWithoutSemicolon(hex: true))
    /// HTML named references where there is one (`&sol;`, `&plus;`, `&equals;`, `&colon;`, …).
    public static let htmlNamed = SecretEncoding(kind: .htmlNamed)
    /// JSON inside JSON: `/` as `\\\/`, as a broker that embeds an escaped echo in another JSON string writes it.
    public static let jsonTwice = SecretEncoding(kind: .jsonTwice)

    /// The text broken with a line feed every `width` characters, as base64 is wrapped in mail and PEM.
    public static func wrapped(every width: Int) -> SecretEncoding {
        SecretEncoding(kind: .wrapped(width: max(1, width)))
    }

    /// Every encoding above (lines wrapped every 10 characters).
    public static let all: [SecretEncoding] = [
        .plain, .jsonSlash, .jsonUnicode, .jsonUnicodeUppercase, .percent, .percentLowercase, .htmlDecimal, .htmlHex,
        .htmlDecimalWithoutSemicolon, .htmlHexWithoutSemicolon, .htmlNamed, .jsonTwice, .wrapped(every: 10),
    ]

    /// `text` in this encoding.
    public func apply(_ text: String) -> String {
        switch kind {
        case .plain:
            return text
        case .jsonSlash:
            return Self.map(text) { $0 == "/" ? "\\/" : $0 == "\\" ? "\\\\" : $0 == "\"" ? "\\\"" : nil }
        case .jsonUnicode(let uppercase):
            return Self.map(text) { Self.isAlphanumeric($0) ? nil : "\\u00" + Self.hex($0, uppercase: uppercase) }
        case .percent(let uppercase):
            return Self.map(text) { Self.isAlphanumeric($0) ? nil : "%" + Self.hex($0, uppercase: uppercase) }
        case .htmlDecimal:
            return Self.map(text) { Self.isAlphanumeric($0) ? nil : "&#\($0.value);" }
        case .htmlHex:
            return Self.map(text) { Self.isAlphanumeric($0) ? nil : "&#x" + Self.hex($0, uppercase: true) + ";" }
        case .htmlNumericWithoutSemicolon(let hex):
            // Every character: a reference without `;` followed by a digit would read as another character.
            return Self.map(text) { hex ? "&#x" + String($0.value, radix: 16) : "&#\($0.value)" }
        case .htmlNamed:
            return Self.map(text) { Self.namedReferences[$0].map { "&\($0);" } }
        case .jsonTwice:
            return SecretEncoding.jsonSlash.apply(SecretEncoding.jsonSlash.apply(text))
        case .wrapped(let width):
            var wrapped = ""
            for (index, character) in text.enumerated() {
                if index > 0 && index % width == 0 { wrapped += "\n" }
                wrapped.append(character)
            }
            return wrapped
        }
    }

    public var description: String {
        switch kind {
        case .plain: "plain"
        case .jsonSlash: "JSON (\\/)"
        case .jsonUnicode(let uppercase): uppercase ? "JSON (\\u00XX)" : "JSON (\\u00xx)"
        case .percent(let uppercase): uppercase ? "percent (%XX)" : "percent (%xx)"
        case .htmlDecimal: "HTML (&#NN;)"
        case .htmlHex: "HTML (&#xHH;)"
        case .htmlNumericWithoutSemicolon(let hex): hex ? "HTML (&#xHH, no ;)" : "HTML (&#NN, no ;)"
        case .htmlNamed: "HTML (&name;)"
        case .jsonTwice: "JSON twice"
        case .wrapped(let width): "wrapped every \(width)"
        }
    }

    private static let namedReferences: [Unicode.Scalar: String] = [
        "&": "amp", "<": "lt", ">": "gt", "\"": "quot", "'": "apos", "/": "sol", "\\": "bsol", "+": "plus",
        "=": "equals", ":": "colon", "_": "lowbar", "%": "percnt", "@": "commat", "?": "quest", "#": "num",
        "!": "excl", ".": "period",
    ]

    private static func map(_ text: String, _ replacement: (Unicode.Scalar) -> String?) -> String {
        var mapped = ""
        for scalar in text.unicodeScalars {
            if let replaced = replacement(scalar) {
                mapped += replaced
            } else {
                mapped.unicodeScalars.append(scalar)
            }
        }
        return mapped
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
    }

    /// Two hex digits for an ASCII character (tests' secrets are ASCII).
    private static func hex(_ scalar: Unicode.Scalar, uppercase: Bool) -> String {
        let digits = String(scalar.value & 0xFF, radix: 16, uppercase: uppercase)
        return digits.count == 1 ? "0" + digits : digits
    }
}
