import EventSpoolModel

/// A final HTTP answer: its status, every header, and its body up to the request's cap.
package struct HTTPResponse: Sendable, Hashable {
    /// The final status (any 1xx before it is forgotten).
    package var status: Int
    /// Every header field of the final answer, in the order received.
    package var headers: HTTPResponseHeaders
    /// The body, at most ``HTTPRequest/maxResponseBodyBytes``.
    package var body: [UInt8]
    /// Whether the body went past the cap and was cut there (the transfer was stopped).
    package var isBodyCut: Bool

    package init(
        status: Int,
        headers: HTTPResponseHeaders = HTTPResponseHeaders(),
        body: [UInt8] = [],
        isBodyCut: Bool = false
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.isBodyCut = isBodyCut
    }
}

/// The header fields of an answer, kept as the bytes libcurl handed over (one line each, without its line
/// break), and looked up by name without regard to case.
package struct HTTPResponseHeaders: Sendable, Hashable {
    /// The lines, each followed by a NUL byte.
    private var block: [UInt8]

    package init() {
        block = []
    }

    /// Headers from `Name: value` lines.
    package init(lines: [String]) {
        block = []
        for line in lines {
            block.append(contentsOf: line.utf8)
            block.append(0)
        }
    }

    /// Headers from a block of NUL-terminated lines, as ``CurlTransfer`` collects them.
    init(block: [UInt8]) {
        self.block = block
    }

    /// Every field, in the order received: the name as sent, the value without surrounding whitespace.
    package var fields: [(name: String, value: String)] {
        block.split(separator: 0).compactMap { line in
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = String(decoding: line[line.index(after: colon)...], as: UTF8.self).trimmingWhitespace()
            return (name, value)
        }
    }

    /// The value of the first field named `name` (compared without regard to case), without surrounding
    /// whitespace; `nil` when there is none.
    package func first(_ name: String) -> String? {
        let wanted = Array(name.utf8)
        for line in block.split(separator: 0) where line.count > wanted.count {
            let colon = line.index(line.startIndex, offsetBy: wanted.count)
            guard line[colon] == UInt8(ascii: ":"),
                zip(line[..<colon], wanted).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
            else { continue }
            return String(decoding: line[line.index(after: colon)...], as: UTF8.self).trimmingWhitespace()
        }
        return nil
    }
}
