/// Looks for secrets in what a test collected — spool files, log records, reports, messages, a command's
/// output — whole in every ``SecretEncoding``, and in pieces, so that a test proves no secret leaks in a
/// form a person or a program could read back.
///
/// ```swift
/// let check = SecretLeakCheck(secrets: [token, password, basicBlob])
/// #expect(check.leaks(in: logText).isEmpty)
/// ```
public struct SecretLeakCheck: Sendable {
    /// The shortest run of a secret's characters that counts as a leak (a whole secret always does).
    public let pieceLength: Int
    private let needles: [Needle]
    /// The needles by their first four bytes, so that a text is scanned once whatever their number.
    private let byPrefix: [UInt32: [Int]]

    private struct Needle: Sendable {
        var bytes: [UInt8]
        var name: String
    }

    /// - Parameters:
    ///   - secrets: The secrets, as configured or as sent (add derived ones, such as a `Basic` blob).
    ///   - pieceLength: The shortest run of a secret's characters that counts as a leak: every run of this many
    ///     characters of a secret is looked for as it is and JSON-escaped.
    public init(secrets: [String], pieceLength: Int = 8) {
        self.pieceLength = pieceLength
        var needles: [Needle] = []
        for (index, secret) in secrets.enumerated() {
            for encoding in SecretEncoding.all {
                needles.append(
                    Needle(bytes: Array(encoding.apply(secret).utf8), name: "secret \(index + 1) (\(encoding))")
                )
            }
            let characters = Array(secret)
            guard characters.count > pieceLength else { continue }
            for start in 0...(characters.count - pieceLength) {
                let piece = String(characters[start..<(start + pieceLength)])
                for encoding in [SecretEncoding.plain, .jsonSlash] {
                    needles.append(
                        Needle(
                            bytes: Array(encoding.apply(piece).utf8),
                            name: "characters \(start + 1)–\(start + pieceLength) of secret \(index + 1) (\(encoding))"
                        )
                    )
                }
            }
        }
        self.needles = needles.filter { $0.bytes.count >= 4 }
        var byPrefix: [UInt32: [Int]] = [:]
        for (index, needle) in self.needles.enumerated() {
            byPrefix[Self.prefix(needle.bytes, at: 0), default: []].append(index)
        }
        self.byPrefix = byPrefix
    }

    /// What leaked into `bytes`, one entry per form found (`secret 2 (JSON (\/))`); empty when nothing did.
    public func leaks(in bytes: some Collection<UInt8>) -> [String] {
        let text = Array(bytes)
        guard text.count >= 4 else { return [] }
        var found = Set<Int>()
        for start in 0...(text.count - 4) {
            guard let candidates = byPrefix[Self.prefix(text, at: start)] else { continue }
            for index in candidates where !found.contains(index) {
                let needle = needles[index].bytes
                if start + needle.count <= text.count, text[start..<(start + needle.count)].elementsEqual(needle) {
                    found.insert(index)
                }
            }
        }
        return found.sorted().map { needles[$0].name }
    }

    /// What leaked into `text`; empty when nothing did.
    public func leaks(in text: String) -> [String] {
        leaks(in: text.utf8)
    }

    private static func prefix(_ bytes: [UInt8], at start: Int) -> UInt32 {
        bytes[start..<(start + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
