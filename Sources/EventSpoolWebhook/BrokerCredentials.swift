import Crypto
import EventSpoolHTTP
import EventSpoolModel

import struct Foundation.Data

/// The secrets of one broker configuration, read once when its ``BrokerClient`` is made: the
/// `Authorization` header, the webhook signer, and every form of every secret to cut out of messages.
///
/// - Important: Nothing here is ever written into a spool object or a log. Requests get the headers at
///   send time; error messages go through ``redactor``.
struct BrokerCredentials: Sendable {
    /// The `Authorization` header value, when auth is configured.
    let authorization: String?
    /// The Standard Webhooks signer, when signing secrets are configured.
    let signer: WebhookSigner?
    /// Cuts every form of every secret of this configuration out of a text.
    let redactor: SecretRedactor
    /// Warnings about secret files others may read, naming the key, the file and its mode: the client logs
    /// them when it is made.
    let warnings: [String]
    /// The credentials every request carries, in words (`auth (a bearer token)`, `the header 'X-Api-Key'`):
    /// what plain `http` would show to anyone on the way.
    let sentWithRequests: [String]

    /// Reads and checks the configured secrets.
    ///
    /// - Throws: ``BrokerClientError`` naming the configuration key (and file) at fault, never a secret.
    init(
        configuration: BrokerConfiguration,
        url: HTTPURL,
        headers: [(name: String, value: String)]
    )
        throws(BrokerClientError)
    {
        func invalid(_ key: String, _ message: String) -> BrokerClientError {
            BrokerClientError(url: url.redacted, message: "\(key): \(message)")
        }
        var warnings: [String] = []
        func reveal(_ secret: Secret, key: String) throws(BrokerClientError) -> String {
            var found: [String] = []
            defer { warnings += found.map { "\(key): \($0)" } }
            do {
                return try secret.reveal(warnings: &found)
            } catch {
                throw invalid(key, error.message)
            }
        }
        // The URL's userinfo as written and decoded, and the `Basic` header libcurl makes of it.
        var forms = url.credentials
        var sent: [String] = []
        if let userinfo = url.userinfo {
            forms += Self.basicForms(username: userinfo.username, password: userinfo.password)
            sent.append("the URL's user name and password")
        }

        switch configuration.auth.scheme {
        case .none:
            authorization = nil
        case .bearer(let token):
            let key = token.path == nil ? "auth.bearerToken" : "auth.bearerTokenFile"
            let value = try reveal(token, key: key)
            if let problem = Self.problem(withHeaderValue: value) {
                throw invalid(key, problem)
            }
            authorization = "Bearer " + value
            forms.append(value)
            sent.append("auth (a bearer token)")
        case .basic(let username, let password):
            let key = password.path == nil ? "auth.password" : "auth.passwordFile"
            let value = try reveal(password, key: key)
            if username.contains(":") {
                throw invalid("auth.username", "must not contain ':' (RFC 7617)")
            }
            if let problem = Self.problem(withHeaderValue: username) {
                throw invalid("auth.username", problem)
            }
            authorization = Self.basicAuthorization(username: username, password: value)
            forms += Self.basicForms(username: username, password: value)
            sent.append("auth (basic)")
        }
        if authorization != nil, headers.contains(where: { $0.name.lowercased() == "authorization" }) {
            throw invalid("headers", "'Authorization' is configured twice: as a header and as auth; keep one")
        }

        if configuration.signing.isEnabled {
            var secrets: [String] = []
            var keys: [SymmetricKey] = []
            for (index, secret) in configuration.signing.secrets.enumerated() {
                let key = secret.path == nil ? "signing.secrets[\(index)]" : "signing.secretsFile"
                // A file may hold several secrets: the new one and the one being rotated out.
                let texts = try reveal(secret, key: key).split(whereSeparator: \.isWhitespace).map(String.init)
                for (position, text) in texts.enumerated() {
                    do {
                        keys.append(try WebhookSigner.key(fromSecret: text))
                    } catch {
                        let place = secret.path.map { "\(key) \($0), secret \(position + 1)" } ?? key
                        throw invalid(place, error.message)
                    }
                }
                secrets += texts
            }
            let signer = WebhookSigner(keys: keys, secrets: secrets)
            forms += signer.redactions
            // The key itself, in its canonical base64: a secret configured unpadded, or with a last
            // character other than the canonical one, still has it.
            for key in keys {
                forms += Self.base64Forms(key.withUnsafeBytes { Data($0) }.base64EncodedString())
            }
            self.signer = signer
        } else {
            signer = nil
        }

        for header in headers {
            sent.append("the header '\(header.name)'")
            forms += Self.headerForms(header.value)
        }
        if let authorization {
            forms.append(authorization)
        }
        self.redactor = SecretRedactor(forms: forms)
        self.sentWithRequests = sent
        self.warnings = warnings
    }

    /// `Basic base64(username:password)` (RFC 7617), as libcurl also makes it from a URL's userinfo.
    private static func basicAuthorization(username: String, password: String) -> String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// Basic credentials in every form they travel or may come back in: the user name, the password, the
    /// `Basic …` value, and its base64 in each of its ``base64Forms(_:)``.
    private static func basicForms(username: String, password: String) -> [String] {
        let authorization = basicAuthorization(username: username, password: password)
        return [username, password, authorization] + base64Forms(String(authorization.dropFirst("Basic ".count)))
    }

    /// A base64 text as a broker may echo it: as it is, without its `=` padding, and in the URL-safe
    /// alphabet (`-` and `_` for `+` and `/`), with and without padding.
    private static func base64Forms(_ base64: String) -> [String] {
        let unpadded = String(base64.reversed().drop { $0 == "=" }.reversed())
        let urlSafe = { (text: String) in String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }) }
        return [base64, unpadded, urlSafe(base64), urlSafe(unpadded)]
    }

    /// Why `value` cannot go into a header, or `nil` when it can.
    private static func problem(withHeaderValue value: String) -> String? {
        if value.isEmpty {
            return "is empty"
        }
        if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return "has a control character (CR, LF, NUL, …); it cannot go into a header"
        }
        return nil
    }
}
