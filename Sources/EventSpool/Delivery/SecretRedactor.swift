/// Cuts secrets out of text that comes back from a broker (a refusal's body) or from libcurl (an error)
/// before it can reach an attempt's message — and from there the spool, a log line or a report.
///
/// A secret is found in each form its ``BrokerCredentials`` lists (the token, the password, the `Basic`
/// blob, …), also when the text spells it with escapes — JSON (`\/`, `\u002B`), percent-encoding (`%2B`),
/// HTML character references (`&#43;`, `&plus;`), two rounds of them (JSON inside JSON), or broken over
/// lines — and, in a text that was cut short, when only its beginning is left at the end. Each match, with
/// the escapes that spelled it, becomes ``replacement``.
struct SecretRedactor: Sendable {
    /// What a secret is replaced with.
    static let replacement = "<redacted>"
    /// Forms shorter than this are left alone: they would blank out ordinary words, and are no secret worth
    /// the name.
    static let minimumLength = 4
    /// How many rounds of escapes are decoded: two cover JSON inside JSON, or a percent-encoded value in JSON.
    static let unescapingRounds = 2

    private let patterns: [Pattern]

    /// - Parameter forms: Every form of every secret, as it could appear in a text.
    init(forms: some Sequence<String>) {
        let unique = Set(forms.filter { $0.utf8.count >= Self.minimumLength })
        patterns = unique.sorted().map { Pattern(Array($0.utf8)) }
    }

    /// Whether there is nothing to redact.
    var isEmpty: Bool { patterns.isEmpty }

    /// `text` with every secret replaced by ``replacement``.
    ///
    /// - Parameters:
    ///   - text: The bytes to search; need not be UTF-8.
    ///   - isCut: Whether `text` is the beginning of something longer (a body cut at a limit): then a
    ///     secret's beginning at its very end, however short, is replaced too, and so is an escape cut in two.
    func redacting(_ text: some Collection<UInt8>, isCut: Bool) -> [UInt8] {
        let original = Array(text)
        guard !patterns.isEmpty, !original.isEmpty else { return original }
        var found: [Range<Int>] = []
        var view = UnescapedText(original)
        for round in 0...Self.unescapingRounds {
            // A cut text may end inside an escape (`\u00`, `%2`): a secret's beginning then ends before it.
            let end = isCut ? view.bytes.count - UnescapedText.cutEscapeLength(at: view.bytes) : view.bytes.count
            for pattern in patterns {
                let record = { (matchEnd: Int) in
                    found.append(view.origin(of: (matchEnd - pattern.bytes.count)..<matchEnd))
                }
                let state = pattern.scan(view.bytes, 0..<end, from: 0, found: record)
                if isCut && state > 0 {
                    found.append(view.origin(of: (end - state)..<end).lowerBound..<original.count)
                }
                _ = pattern.scan(view.bytes, end..<view.bytes.count, from: state, found: record)
            }
            guard round < Self.unescapingRounds, let next = view.unescaped() else { break }
            view = next
        }
        return Self.replacing(found, in: original)
    }

    /// `text` with every secret replaced by ``replacement``.
    func redacting(_ text: String, isCut: Bool = false) -> String {
        String(decoding: redacting(text.utf8, isCut: isCut), as: UTF8.self)
    }

    /// `text` with each of `ranges` (which may overlap) replaced by one ``replacement``.
    private static func replacing(_ ranges: [Range<Int>], in text: [UInt8]) -> [UInt8] {
        guard !ranges.isEmpty else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var position = 0
        var merged: Range<Int>?
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let current = merged, range.lowerBound <= current.upperBound {
                merged = current.lowerBound..<max(current.upperBound, range.upperBound)
                continue
            }
            if let current = merged {
                result += text[position..<current.lowerBound]
                result += replacement.utf8
                position = current.upperBound
            }
            merged = range
        }
        if let current = merged {
            result += text[position..<current.lowerBound]
            result += replacement.utf8
            position = current.upperBound
        }
        result += text[position...]
        return result
    }
}

extension SecretRedactor {
    /// One form of a secret, searched for with Knuth–Morris–Pratt: one pass over a text finds every
    /// occurrence, and tells how much of the form the text ends with.
    private struct Pattern: Sendable {
        let bytes: [UInt8]
        /// `borders[i]`: the length of the longest proper prefix of `bytes[0...i]` that is also its suffix.
        private let borders: [Int]

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            var borders = [Int](repeating: 0, count: bytes.count)
            var length = 0
            for index in bytes.indices.dropFirst() {
                while length > 0 && bytes[length] != bytes[index] { length = borders[length - 1] }
                if bytes[length] == bytes[index] { length += 1 }
                borders[index] = length
            }
            self.borders = borders
        }

        /// Scans `text[range]`, having matched `state` bytes of the form before it; calls `found` with the end
        /// of each occurrence. Returns how many bytes of the form the scanned text ends with (less than all).
        func scan(_ text: [UInt8], _ range: Range<Int>, from state: Int, found: (Int) -> Void) -> Int {
            var matched = state
            for index in range {
                let byte = text[index]
                while matched > 0 && bytes[matched] != byte { matched = borders[matched - 1] }
                if bytes[matched] == byte { matched += 1 }
                if matched == bytes.count {
                    found(index + 1)
                    matched = borders[matched - 1]
                }
            }
            return matched
        }
    }
}
