import Crypto
import EventSpoolModel

import struct Foundation.Data

/// Signs requests the Standard Webhooks way (https://github.com/standard-webhooks/standard-webhooks,
/// `spec/standard-webhooks.md`, "Signature scheme"):
///
/// ```
/// webhook-signature: v1,<base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"))>
/// ```
///
/// with one `v1,…` per secret, space-separated, for key rotation. A secret is `whsec_` followed by the
/// base64 of the key (24 to 64 bytes, as the specification asks).
struct WebhookSigner: Sendable {
    /// One HMAC per key, in the order configured (the first signature is the first secret's), already
    /// keyed: each signature starts from a copy, which saves the key set-up (about 40 % of the work for
    /// a 512-byte body).
    private let keyedMACs: [HMAC<SHA256>]

    /// The `whsec_` secrets exactly as configured, and their base64 part, to cut out of any text.
    let redactions: [String]

    /// The shortest and longest key the specification allows.
    static let keySizes = 24...64

    /// Creates a signer from keys already read from their secrets.
    init(keys: [SymmetricKey], secrets: [String]) {
        self.keyedMACs = keys.map { HMAC<SHA256>(key: $0) }
        self.redactions = secrets + secrets.map { String($0.dropFirst(Self.prefix.count)) }
    }

    /// Creates a signer from `whsec_<base64>` secrets.
    ///
    /// - Throws: ``SecretError`` naming the position of the first unusable secret (never the secret).
    init(secrets: [String]) throws(SecretError) {
        var keys: [SymmetricKey] = []
        for (index, secret) in secrets.enumerated() {
            do {
                keys.append(try Self.key(fromSecret: secret))
            } catch {
                throw SecretError("secret \(index + 1) \(error.message)")
            }
        }
        self.init(keys: keys, secrets: secrets)
    }

    private static let prefix = "whsec_"

    /// The HMAC key of a `whsec_<base64>` secret.
    ///
    /// - Throws: ``SecretError`` saying what is wrong (never the secret).
    static func key(fromSecret secret: String) throws(SecretError) -> SymmetricKey {
        guard secret.hasPrefix(prefix) else {
            throw SecretError("does not start with 'whsec_' (a Standard Webhooks signing secret is whsec_<base64>)")
        }
        var base64 = String(secret.dropFirst(prefix.count))
        // Unpadded base64 is common in the wild; the reference libraries accept it too.
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        guard let key = Data(base64Encoded: base64), !key.isEmpty else {
            throw SecretError("is not valid base64 after 'whsec_'")
        }
        guard keySizes.contains(key.count) else {
            throw SecretError(
                "holds a key of \(key.count) bytes; Standard Webhooks wants \(keySizes.lowerBound) to \(keySizes.upperBound)"
            )
        }
        return SymmetricKey(data: key)
    }

    /// The `webhook-signature` value for one attempt: `v1,<base64>` per key, space-separated.
    ///
    /// - Parameters:
    ///   - id: The `webhook-id` (the event id).
    ///   - timestamp: The `webhook-timestamp`, unix seconds, of this attempt.
    ///   - body: The request body exactly as sent.
    func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        let prefix = Array("\(id).\(timestamp).".utf8)
        var header = ""
        header.reserveCapacity(keyedMACs.count * 48)
        for keyed in keyedMACs {
            var mac = keyed
            prefix.withUnsafeBytes { mac.update(data: $0) }
            body.withUnsafeBytes { mac.update(data: $0) }
            let code = mac.finalize()
            if !header.isEmpty { header.append(" ") }
            header.append("v1,")
            header.append(code.withUnsafeBytes { Data($0) }.base64EncodedString())
        }
        return header
    }
}
