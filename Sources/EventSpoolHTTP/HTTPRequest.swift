/// One HTTP request for ``CurlTransport``: method, URL, header lines and body, and how much of the answer's
/// body to keep.
package struct HTTPRequest: Sendable {
    /// The method.
    package var method: HTTPMethod
    /// Where the request goes (the URL as libcurl reads it, userinfo included).
    package var url: HTTPURL
    /// The header lines, each `Name: value` followed by a NUL byte: the layout libcurl's header list needs,
    /// so that a request costs no allocation per header (``appendHeader(_:_:to:)`` lays one out).
    package var headerBlock: [UInt8]
    /// The body, sent with ``HTTPMethod/post`` and ``HTTPMethod/put`` (ignored otherwise).
    package var body: [UInt8]
    /// The most response-body bytes kept: past it the transfer is stopped and the answer is what arrived
    /// (``HTTPResponse/isBodyCut``). A webhook keeps a little for its error message; an object store's GET
    /// whole objects.
    package var maxResponseBodyBytes: Int

    package init(
        method: HTTPMethod,
        url: HTTPURL,
        headerBlock: [UInt8] = [],
        body: [UInt8] = [],
        maxResponseBodyBytes: Int
    ) {
        self.method = method
        self.url = url
        self.headerBlock = headerBlock
        self.body = body
        self.maxResponseBodyBytes = maxResponseBodyBytes
    }

    /// The header lines in the order they are sent.
    package var headerLines: [String] {
        Self.headerLines(of: headerBlock)
    }

    /// The lines of a header block laid out as ``headerBlock`` is.
    package static func headerLines(of block: [UInt8]) -> [String] {
        block.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends the header line `name: value` to a header block, in the layout ``headerBlock`` has.
    package static func appendHeader(_ name: String, _ value: String, to block: inout [UInt8]) {
        appendUTF8(name, to: &block)
        block.append(UInt8(ascii: ":"))
        block.append(UInt8(ascii: " "))
        appendUTF8(value, to: &block)
        block.append(0)
    }

    /// Appends the UTF-8 of `text` with one copy (`Array.append(contentsOf: text.utf8)` goes byte by byte).
    package static func appendUTF8(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }
}
