/// A small, strict XML parser for exactly what S3 answers hold: a prolog, comments, elements with attributes,
/// text with the five predefined entities and character references, and CDATA.
///
/// Why not Foundation's `XMLParser`: on Linux it lives in FoundationXML, which links libxml2 into every program
/// that uses the client, for three element names. This one refuses rather than guesses: a document type
/// declaration (no entity definitions, so no entity expansion), an unknown entity, a mismatched or unclosed
/// tag, text outside the root, invalid UTF-8 and nesting deeper than ``maxDepth`` are each an error naming
/// where it was found. The input is already bounded (a request's body cap), so the tree is too.
struct S3XMLParser {
    /// Deeper nesting than any S3 answer has (`ListBucketResult` › `Contents` › `Owner` › `ID` is 4).
    static let maxDepth = 16

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The document's root element.
    ///
    /// - Throws: ``S3XMLError`` saying what is wrong and at which byte.
    static func parse(_ bytes: [UInt8]) throws(S3XMLError) -> S3XMLElement {
        var parser = S3XMLParser(bytes)
        return try parser.document()
    }

    private mutating func document() throws(S3XMLError) -> S3XMLElement {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        try skipMisc()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else {
            throw error(index < bytes.count ? "text before the root element" : "no root element")
        }
        let root = try element(depth: 1)
        try skipMisc()
        guard index == bytes.count else { throw error("content after the root element") }
        return root
    }

    /// White space, comments and processing instructions (the `<?xml …?>` prolog) between elements.
    private mutating func skipMisc() throws(S3XMLError) {
        while index < bytes.count {
            if isWhitespace(bytes[index]) {
                index += 1
            } else if starts(with: "<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts(with: "<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts(with: "<!") {
                throw error("a document type declaration or other markup declaration, which S3 never sends")
            } else {
                return
            }
        }
    }

    private mutating func element(depth: Int) throws(S3XMLError) -> S3XMLElement {
        guard depth <= Self.maxDepth else { throw error("elements nested deeper than \(Self.maxDepth)") }
        index += 1  // "<"
        let qualifiedName = try name()
        try attributes()
        var element = S3XMLElement(name: Self.localName(qualifiedName), text: "", children: [])
        if starts(with: "/>") {
            index += 2
            return element
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw error("a malformed start tag") }
        index += 1
        var text: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("element <\(qualifiedName)> is not closed") }
            if starts(with: "</") {
                index += 2
                let closing = try name()
                guard closing == qualifiedName else {
                    throw error("</\(closing)> closes <\(qualifiedName)>")
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
                    throw error("a malformed end tag")
                }
                index += 1
                guard let decoded = String(validating: text, as: UTF8.self) else {
                    throw error("text in <\(qualifiedName)> is not UTF-8")
                }
                element.text = decoded
                return element
            } else if starts(with: "<![CDATA[") {
                index += 9
                let start = index
                try skip(past: "]]>", what: "CDATA section")
                text += bytes[start..<(index - 3)]
            } else if starts(with: "<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts(with: "<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if bytes[index] == UInt8(ascii: "<") {
                element.children.append(try self.element(depth: depth + 1))
            } else if bytes[index] == UInt8(ascii: "&") {
                try reference(into: &text)
            } else {
                text.append(bytes[index])
                index += 1
            }
        }
    }

    /// A tag or attribute name: everything up to white space, `/`, `>` or `=`.
    private mutating func name() throws(S3XMLError) -> String {
        let start = index
        while index < bytes.count, !isWhitespace(bytes[index]),
            ![UInt8(ascii: "/"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "<")].contains(bytes[index])
        {
            index += 1
        }
        guard index > start, let name = String(validating: bytes[start..<index], as: UTF8.self) else {
            throw error("a missing or invalid name")
        }
        return name
    }

    /// Skips the attributes of a start tag (`xmlns="…"`): checked for form, not kept.
    private mutating func attributes() throws(S3XMLError) {
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("a start tag that does not end") }
            if bytes[index] == UInt8(ascii: ">") || starts(with: "/>") { return }
            _ = try name()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw error("an attribute without '='")
            }
            index += 1
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw error("an attribute value without quotes")
            }
            let quote = bytes[index]
            index += 1
            while index < bytes.count, bytes[index] != quote {
                guard bytes[index] != UInt8(ascii: "<") else { throw error("'<' in an attribute value") }
                index += 1
            }
            guard index < bytes.count else { throw error("an attribute value that does not end") }
            index += 1
        }
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#NN;` `&#xHH;`, appended as UTF-8.
    private mutating func reference(into text: inout [UInt8]) throws(S3XMLError) {
        let start = index
        index += 1
        while index < bytes.count, bytes[index] != UInt8(ascii: ";"), index - start <= 12 {
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ";") else {
            throw error("an '&' that starts no entity")
        }
        let body = bytes[(start + 1)..<index]
        index += 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "amp": text.append(UInt8(ascii: "&"))
        case "quot": text.append(UInt8(ascii: "\""))
        case "apos": text.append(UInt8(ascii: "'"))
        case let reference where reference.hasPrefix("#"):
            let isHex = reference.hasPrefix("#x")
            let digits = reference.dropFirst(isHex ? 2 : 1)
            guard !digits.isEmpty, digits.count <= 8, let value = UInt32(digits, radix: isHex ? 16 : 10),
                value != 0, let scalar = Unicode.Scalar(value)
            else { throw error("an invalid character reference &\(reference);") }
            text += Array(String(scalar).utf8)
        case let name:
            throw error("an unknown entity &\(name.prefix(12));")
        }
    }

    private mutating func skip(past terminator: StaticString, what: String) throws(S3XMLError) {
        while index < bytes.count {
            if starts(with: terminator) {
                index += terminator.utf8CodeUnitCount
                return
            }
            index += 1
        }
        throw error("a \(what) that does not end")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
    }

    private func starts(with text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let expected = UnsafeBufferPointer(start: text.utf8Start, count: count)
        return bytes[index..<(index + count)].elementsEqual(expected)
    }

    private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private func error(_ message: String) -> S3XMLError {
        S3XMLError(message: message, offset: index)
    }

    /// `s3:Key` → `Key`.
    private static func localName(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }
}
