/// Likely typos: the known name closest to what was written, for "did you mean …?" hints.
enum Spelling {
    /// The candidate closest to `text` (ignoring case) when it is a likely typo of it: at most two edits
    /// away, or a fifth of its length for long names.
    static func closest(to text: String, among candidates: some Sequence<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(text.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        return best.1 <= max(2, text.count / 5) ? best.0 : nil
    }

    /// The Levenshtein distance: single-character insertions, deletions and substitutions.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        var previous = Array(0...b.count)
        for (i, byteA) in a.enumerated() {
            var current = [i + 1]
            for (j, byteB) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (byteA == byteB ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
