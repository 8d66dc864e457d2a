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
            "AT&T &#1 &#x &# &#xZZ &ampere &#55296 &#99999999999 p&#228&#47ss&#43w&#61rd&#58Z",
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

    /// HTML5 reads a numeric reference without its closing `;` as the character it names (`&#66&#97` is `Ba`),
    /// decimal or hex, so a broker's echo may drop every `;`.
    @Test func numericReferencesWithoutSemicolonsAreSeenThrough() {
        let forms = [
            SecretEncoding.htmlDecimalWithoutSemicolon.apply(Self.secret),  // &#112&#228&#47…
            SecretEncoding.htmlHexWithoutSemicolon.apply(Self.secret),  // &#x70&#xe4&#x2f…
            "&#X70&#XE4&#X2F&#X73&#X73&#X2B&#X77&#X3D&#X72&#X64&#X3A&#X5A&#X39",  // upper-case X and digits
            "&#112;&#xe4&#47;s&#x73;&#43w&#x3d;rd&#0000058&#90;&#57",  // mixed: with and without `;`, hex, zeros
            "p&#228&#47ss&#43w&#61rd&#58Z9",  // only what is not a letter, without `;`
        ]
        for form in forms {
            #expect(redacted("before \(form) after") == "before <redacted> after", "\(form)")
        }
        // Without `;`, HTML5 takes every digit that follows: `&#479` would be U+01DF. Read so, the text of an echo
        // that encodes only punctuation holds no `/9`; the longest run of digits that is a printable ASCII
        // character is taken instead (`&#47` and `9`), as the characters of a header value are.
        let slashNine = SecretRedactor(forms: ["tk/9+Qa=Zr4/Wm8"])
        for form in ["tk&#479&#43Qa&#61Zr4&#47Wm8", "tk&#x2f9&#x2bQa&#x3dZr4&#x2fWm8", "tk&#000479+Qa=Zr4/Wm8"] {
            #expect(slashNine.redacting("x \(form) y") == "x <redacted> y", "\(form)")
        }
        // HTML5 also reads `&amp`, `&lt`, `&gt` and `&quot` without `;`.
        let punctuation = SecretRedactor(forms: [#"pw&<x>"q"#])
        for form in ["pw&amp&ltx&gt&quotq", "pw&AMP;&LT;x&GT;&QUOT;q", "pw&amp;&ltx&gt;&quotq"] {
            #expect(punctuation.redacting("x \(form) y") == "x <redacted> y", "\(form)")
        }
    }

    /// A text cut after each byte of a secret spelled with references without `;`: the last reference may have lost
    /// digits (`&#22` of `&#228`) and stand for another character, or be whole (`&#112`); neither leaves any of
    /// the secret's characters.
    @Test(arguments: [SecretEncoding.htmlDecimalWithoutSemicolon, .htmlHexWithoutSemicolon, .htmlDecimal])
    func aCutInsideAReferenceWithoutSemicolonLeavesNothingOfTheSecret(encoding: SecretEncoding) {
        let escaped = encoding.apply(Self.secret)
        let bytes = Array(("error: " + escaped).utf8)
        // A cut inside the first reference leaves none of the secret's characters: the cuts start after it.
        let first = escaped.hasPrefix("&") ? escaped.dropFirst().prefix { $0 != "&" }.utf8.count + 1 : 1
        for end in ("error: ".utf8.count + first)..<bytes.count {
            let text = String(decoding: redactor.redacting(bytes[..<end], isCut: true), as: UTF8.self)
            #expect(text == "error: <redacted>", "\(encoding), cut after \(end) bytes: \(text)")
        }
    }

    @Test func surrogatePairsAreDecoded() {
        let redactor = SecretRedactor(forms: ["tok😀en"])
        #expect(redactor.redacting(#"x tok\ud83d\ude00en y"#) == "x <redacted> y")
        #expect(redactor.redacting("x tok&#128512;en y") == "x <redacted> y")
        #expect(redactor.redacting(#"x tok\ud83d y"#) == #"x tok\ud83d y"#)
    }
}
