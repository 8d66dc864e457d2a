import EventSpoolModel

extension BrokerCredentials {
    /// The shortest part of a header value that is redacted on its own: shorter ones (`en` in `lang=en`) would
    /// blank out ordinary words of every answer. The whole value is redacted whatever its length.
    static let minimumHeaderPartLength = 8

    /// A configured header's value and the parts of it a broker may echo alone: each part between white space,
    /// `;` and `,` (`Bearer <token>`, `sid=…; lang=en`, `key=…,region=eu`) and, for a `name=value` part, its
    /// value without quotes (`sid` → the session id). A value that holds percent-encoding is taken decoded too
    /// (a cookie's `%3D`, which a broker may echo as `=`).
    static func headerForms(_ value: String) -> [String] {
        var texts = [value]
        if let decoded = UnescapedText(Array(value.utf8)).unescaped() {
            texts.append(String(decoding: decoded.bytes, as: UTF8.self))
        }
        var parts: [Substring] = []
        for text in texts {
            for part in text.split(whereSeparator: { $0.isWhitespace || $0 == ";" || $0 == "," }) {
                parts.append(Self.valueOfNameValuePart(part) ?? part)
            }
        }
        return texts + parts.filter { $0.utf8.count >= minimumHeaderPartLength }.map(String.init)
    }

    /// The value of a `name=value` part, without the quotes around it; `nil` when `part` is none: no `=`, no
    /// name, or only base64 padding after the first `=` (`c2lk==` is a value of its own).
    private static func valueOfNameValuePart(_ part: Substring) -> Substring? {
        guard let equals = part.firstIndex(of: "="), equals > part.startIndex else { return nil }
        var value = part[part.index(after: equals)...]
        guard value.contains(where: { $0 != "=" }) else { return nil }
        if value.count >= 2, value.first == "\"", value.last == "\"" {
            value = value.dropFirst().dropLast()
        }
        return value
    }
}
