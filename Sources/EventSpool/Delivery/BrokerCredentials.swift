import Crypto

import struct Foundation.Data

/// The secrets of one broker configuration, read once when its ``BrokerClient`` is made: the
/// `Authorization` header, the webhook signer, and every secret text to cut out of messages.
///
/// - Important: Nothing here is ever written into a spool object or a log. Requests get the headers at
///   send time; error messages get ``redacted(_:)``.
struct BrokerCredentials: Sendable {
    /// The `Authorization` header value, when auth is configured.
    let authorization: String?
    /// The Standard Webhooks signer, when signing secrets are configured.
    let signer: WebhookSigner?
    /// Every secret text, longest first, so a whole value is replaced before a part of it.
    private let redactions: [String]

    /// Reads and checks the configured secrets.
    ///
    /// - Throws: ``BrokerClientError`` naming the configuration key (and file) at fault, never a secret.
    init(
        configuration: BrokerConfiguration,
        url: BrokerURL,
        headers: [(name: String, value: String)]
    )
        throws(BrokerClientError)
    {
        func invalid(_ key: String, _ message: String) -> BrokerClientError {
            BrokerClientError(url: url.redacted, message: "\(key): \(message)")
        }
        func reveal(_ secret: Secret, key: String) throws(BrokerClientError) -> String {
            do {
                return try secret.reveal()
            } catch {
                throw invalid(key, error.message)
            }
        }
        var redactions = Set(url.credentials)

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
            redactions.insert(value)
        case .basic(let username, let password):
            let key = password.path == nil ? "auth.password" : "auth.passwordFile"
            let value = try reveal(password, key: key)
            if username.contains(":") {
                throw invalid("auth.username", "must not contain ':' (RFC 7617)")
            }
            if let problem = Self.problem(withHeaderValue: username) {
                throw invalid("auth.username", problem)
            }
            let encoded = Data("\(username):\(value)".utf8).base64EncodedString()
            authorization = "Basic " + encoded
            redactions.formUnion([username, value, encoded])
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
            redactions.formUnion(signer.redactions)
            self.signer = signer
        } else {
            signer = nil
        }

        for header in headers {
            redactions.insert(header.value)
            // `Bearer <token>`, `Basic <base64>`: the token alone may be echoed too.
            for part in header.value.split(separator: " ") where part.count >= 8 {
                redactions.insert(String(part))
            }
        }
        if let authorization {
            redactions.insert(authorization)
        }
        // Very short values would blank out ordinary words and are not secrets worth the name.
        self.redactions = redactions.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// Whether there is anything to redact.
    var isEmpty: Bool { redactions.isEmpty }

    /// `text` with every secret replaced by `<redacted>`: a broker echoing a request header in its error
    /// body must not put a secret into the spool or the logs.
    func redacted(_ text: String) -> String {
        var text = text
        for secret in redactions where text.contains(secret) {
            text = text.replacing(secret, with: "<redacted>")
        }
        return text
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
