/// Cuts secrets out of text that comes back from a broker (a refusal's body) or from libcurl (an error)
/// before it can reach an attempt's message — and from there the spool, a log line or a report.
///
/// A secret is found in each form its ``BrokerCredentials`` lists (the token, the password, the `Basic`
/// blob, …), also when the text spells it with escapes — JSON (`\/`, `\u002B`), percent-encoding (`%2B`),
/// HTML character references (`&#43;`, `&plus;`, and `&#43` without `;`), two rounds of them (JSON inside
/// JSON), or broken over lines — and, in a text that was cut short, when only its beginning is left at the
/// end. Each match, with the escapes that spelled it, becomes ``replacement``.
package struct SecretRedactor: Sendable {
    /// What a secret is replaced with.
    package static let replacement = "<redacted>"
    /// Forms shorter than this are left alone: they would blank out ordinary words, and are no secret worth
    /// the name.
    static let minimumLength = 4
    /// How many rounds of escapes are decoded: two cover JSON inside JSON, or a percent-encoded value in JSON.
    static let unescapingRounds = 2

    private let patterns: [Pattern]
    /// For each byte value, the patterns that start with it: a text is scanned once, and a form is compared
    /// only where its first byte is.
    private let patternsByFirstByte: [[Int]]

    /// - Parameter forms: Every form of every secret, as it could appear in a text.
    package init(forms: some Sequence<String>) {
        let unique = Set(forms.filter { $0.utf8.count >= Self.minimumLength })
        patterns = unique.sorted().map { Pattern(Array($0.utf8)) }
        var byFirstByte = [[Int]](repeating: [], count: 256)
        for (index, pattern) in patterns.enumerated() {
            byFirstByte[Int(pattern.bytes[0])].append(index)
        }
        patternsByFirstByte = byFirstByte
    }

    /// Whether there is nothing to redact.
    package var isEmpty: Bool { patterns.isEmpty }

    /// `text` with every secret replaced by ``replacement``.
    ///
    /// - Parameters:
    ///   - text: The bytes to search; need not be UTF-8.
    ///   - isCut: Whether `text` is the beginning of something longer (a body cut at a limit): then a
    ///     secret's beginning at its very end, however short, is replaced too, and so is an escape cut in two.
    package func redacting(_ text: some Collection<UInt8>, isCut: Bool) -> [UInt8] {
        let original = Array(text)
        guard !patterns.isEmpty, !original.isEmpty else { return original }
        var found: [Range<Int>] = []
        var view = UnescapedText(original)
        for round in 0...Self.unescapingRounds {
            for (start, pattern) in occurrences(in: view.bytes) {
                found.append(view.origin(of: start..<(start + patterns[pattern].bytes.count)))
            }
            if isCut {
                // A cut text may end inside an escape (`\u00`, `%2`, `&#22` of `&#228`): a secret's beginning
                // then ends before it.
                for end in view.cutEnds() {
                    for pattern in patterns {
                        let started = pattern.matchedLength(atEndOf: view.bytes[..<end])
                        if started > 0 {
                            found.append(view.origin(of: (end - started)..<end).lowerBound..<original.count)
                        }
                    }
                }
            }
            guard round < Self.unescapingRounds, let next = view.unescaped() else { break }
            view = next
        }
        return Self.replacing(found, in: original)
    }

    /// Where each form occurs in `text`: its start and the index of its pattern.
    private func occurrences(in text: [UInt8]) -> [(start: Int, pattern: Int)] {
        var found: [(start: Int, pattern: Int)] = []
        text.withUnsafeBufferPointer { text in
            for start in text.indices {
                for index in patternsByFirstByte[Int(text[start])] {
                    let bytes = patterns[index].bytes
                    guard start + bytes.count <= text.count else { continue }
                    let equal = bytes.withUnsafeBufferPointer { bytes in
                        (1..<bytes.count).allSatisfy { bytes[$0] == text[start + $0] }
                    }
                    if equal { found.append((start, index)) }
                }
            }
        }
        return found
    }

    /// `text` with every secret replaced by ``replacement``.
    package func redacting(_ text: String, isCut: Bool = false) -> String {
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
    /// One form of a secret, with its Knuth–Morris–Pratt borders to tell how much of it a cut text ends with.
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

        /// How many bytes of the form's beginning `text` ends with, fewer than all of them; 0 when none.
        /// Only the last `bytes.count - 1` bytes of `text` are read.
        func matchedLength(atEndOf text: ArraySlice<UInt8>) -> Int {
            var matched = 0
            for byte in text.suffix(bytes.count - 1) {
                while matched > 0 && bytes[matched] != byte { matched = borders[matched - 1] }
                if bytes[matched] == byte { matched += 1 }
            }
            return matched
        }
    }
}
