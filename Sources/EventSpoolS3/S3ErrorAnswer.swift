import EventSpoolHTTP
import EventSpoolModel

/// What an answer that is not the one asked for says: its status, and the store's error code and message from an
/// `<Error>` body, made safe to show.
///
/// A store's message is the server's text, and a hostile or broken one can put anything in it — the session
/// token it was sent, the `Authorization` header. So the message is cut to ``maxMessageBytes``, every form of the
/// credentials is cut out (``SecretRedactor``), and so is any run of 64 or more hex digits (a request signature,
/// which can be replayed for minutes). The code is kept only when it looks like one (`SignatureDoesNotMatch`).
struct S3ErrorAnswer: Sendable {
    /// The longest store message shown.
    static let maxMessageBytes = 300

    let status: Int
    /// The store's error code, when the body had one that looks like an S3 code.
    let storeCode: String?
    /// The store's message (or the start of a body that is not S3 XML), safe to show; `nil` when empty.
    let message: String?

    init(_ response: HTTPResponse, redactor: SecretRedactor) {
        status = response.status
        var code: String?
        var text: String?
        if !response.body.isEmpty {
            if !response.isBodyCut, let root = try? S3XMLParser.parse(response.body), root.name == "Error" {
                code = root.text(of: "Code")
                text = root.text(of: "Message")
            } else {
                text = String(decoding: response.body.prefix(Self.maxMessageBytes), as: UTF8.self)
            }
        }
        storeCode = code.flatMap(Self.plausibleCode)
        message = text.flatMap { text in
            let isCut = response.isBodyCut || response.body.count > Self.maxMessageBytes
            let safe = Self.maskingHexRuns(redactor.redacting(text, isCut: isCut))
            let shown = LoggedText(safe, maxBytes: Self.maxMessageBytes).description
            return shown.isEmpty ? nil : shown
        }
    }

    /// `code` when it has the form of an S3 error code: 1–64 of `A–Z a–z 0–9 . _ -`.
    private static func plausibleCode(_ code: String) -> String? {
        let allowed = code.utf8.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".")
                || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
        return allowed && (1...64).contains(code.utf8.count) ? code : nil
    }

    /// `text` with every run of 64 or more hex digits replaced by `<redacted>`.
    static func maskingHexRuns(_ text: String) -> String {
        var result: [UInt8] = []
        var run: [UInt8] = []
        func flush() {
            result += run.count >= 64 ? Array(SecretRedactor.replacement.utf8) : run
            run.removeAll()
        }
        for byte in text.utf8 {
            if S3Digest.hexValue(byte) != nil {
                run.append(byte)
            } else {
                flush()
                result.append(byte)
            }
        }
        flush()
        return String(decoding: result, as: UTF8.self)
    }
}
