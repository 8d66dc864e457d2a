/// The object keys and listing prefixes the client sends: `A–Z a–z 0–9 . _ ~ / -` only, in `/`-separated
/// segments none of which is empty, `.` or `..`, at most 1024 bytes.
///
/// Such a key goes into a URL's path as it is, with no percent-encoding, and that is the point: libcurl 7.88
/// signs the path exactly as written, SeaweedFS wants `:` sent as `%3A` (and refuses `%7E` and lower-case hex),
/// moto with authentication wants a raw `:`, so any character that needs encoding is a signature failure on one
/// server or the other. A `.` or `..` segment would be folded away by libcurl's URL parser, and an empty one
/// (`a//b`) is read differently by different stores. The spool's keys and ordering marks fit without effort.
package enum S3ObjectKey {
    /// The longest key S3 allows, in bytes.
    package static let maxBytes = 1024

    /// Why `key` cannot be an object key, or `nil` when it can.
    package static func problem(withKey key: String) -> String? {
        guard !key.isEmpty else { return "is empty" }
        if let problem = problem(with: key) { return problem }
        if key.hasSuffix("/") { return "ends with '/'" }
        return nil
    }

    /// Why `prefix` cannot be a listing prefix (or the configured prefix), or `nil` when it can. Unlike a key
    /// it may be empty and may end with `/`.
    package static func problem(withPrefix prefix: String) -> String? {
        guard !prefix.isEmpty else { return nil }
        return problem(with: prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
    }

    private static func problem(with text: String) -> String? {
        guard text.utf8.count <= maxBytes else { return "is longer than \(maxBytes) bytes" }
        if let bad = text.unicodeScalars.first(where: { !isAllowed($0) }) {
            return "holds '\(bad.escaped(asASCII: true))'; only A-Z a-z 0-9 . _ ~ / - are sent unencoded"
        }
        for segment in text.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "": return "has an empty segment (a leading '/' or '//')"
            case ".", "..": return "has a '\(segment)' segment, which URL parsers fold away"
            default: continue
            }
        }
        return nil
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "~", "/", "-": return true
        default: return false
        }
    }
}
