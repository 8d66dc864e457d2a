import EventSpoolTesting
import Testing

@testable import EventSpool
@testable import EventSpoolModel
@testable import EventSpoolWebhook

/// The redaction itself, on texts built to defeat it: mixed and nested escapes, a secret cut inside an escape or
/// a multi-byte character, overlapping secrets — and ordinary text, which must come out unchanged.
@Suite struct SecretRedactorTests {
    static let secret = "pä/ss+w=rd:Z9"
    let redactor = SecretRedactor(forms: [Self.secret, "Zr4-token", "k3y"])

    func redacted(_ text: String, isCut: Bool = false) -> String {
        redactor.redacting(text, isCut: isCut)
    }

    @Test func ordinaryTextIsUnchanged() {
        for text in [
            "", "Service Unavailable", #"{"error":"a\/b","n":"%2F","h":"&amp;&#47;"}"#, "100% & more \\", "a\nb\r\n",
            "pä/ss+w=rd:Z", "k3y is shorter than the minimum length, so it is not redacted",
        ] {
            #expect(redacted(text) == text, "\(text)")
        }
    }

    @Test func mixedAndNestedEscapesAreSeenThrough() {
        let forms = [
            "p\\u00e4\\/ss%2Bw&#61;rd&colon;Z9",  // JSON, percent and HTML in one spelling
            "p%C3%A4%2Fss%2Bw%3Drd%3AZ9",  // percent-encoded UTF-8
            "p\\u00E4\\\\\\/ss+w=rd:Z9",  // JSON inside JSON
            "%70%C3%A4%2F%73%73%2B%77%3D%72%64%3A%5A%39",  // every byte
            "p\\xc3\\xa4/ss+w=rd:Z9",  // \x escapes
            "pä/ss+\nw=rd:Z9",  // wrapped
        ]
        for form in forms {
            #expect(redacted("before \(form) after") == "before <redacted> after", "\(form)")
        }
    }

    @Test func overlappingAndAdjacentSecretsBecomeOneReplacement() {
        #expect(redacted("x Zr4-tokenpä/ss+w=rd:Z9 y") == "x <redacted> y")
        #expect(redacted("Zr4-Zr4-token") == "Zr4-<redacted>")
    }

    /// Cut after every byte of the secret's JSON-escaped spelling (inside `\u00e4` and `\/` too): nothing of it
    /// remains.
    @Test func aCutLeavesNoBeginningOfASecret() {
        let escaped = SecretEncoding.jsonUnicode.apply(Self.secret)
        let bytes = Array(("error: " + escaped).utf8)
        for end in ("error: ".utf8.count + 1)..<bytes.count {
            let text = String(decoding: redactor.redacting(bytes[..<end], isCut: true), as: UTF8.self)
            #expect(text == "error: <redacted>", "cut after \(end) bytes: \(text)")
        }
        // Cut inside the two bytes of `ä` itself.
        let raw = Array("error: pä".utf8)
        #expect(redactor.redacting(raw.dropLast(), isCut: true) == Array("error: <redacted>".utf8))
        // Not cut: a text that merely ends like a secret begins is left alone.
        #expect(redacted("error: pä") == "error: pä")
    }

    @Test func surrogatePairsAreDecoded() {
        let redactor = SecretRedactor(forms: ["tok😀en"])
        #expect(redactor.redacting(#"x tok\ud83d\ude00en y"#) == "x <redacted> y")
        #expect(redactor.redacting("x tok&#128512;en y") == "x <redacted> y")
        #expect(redactor.redacting(#"x tok\ud83d y"#) == #"x tok\ud83d y"#)
    }
}
