import struct Foundation.Data

/// The credentials requests are signed with: an access key id, its secret, and for temporary credentials a
/// session token (`AWS_SESSION_TOKEN`), sent as `x-amz-security-token`.
///
/// The secret never leaves the process: libcurl derives each request's signature from it. The session token is
/// sent with every request, so a server can echo it; every message made from an answer has both cut out, in
/// every encoding ``SecretRedactor`` knows, and as base64. Its description, debug description and mirror show
/// neither, nor the access key id (`S3Credentials(<redacted>)`).
package struct S3Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key id.
    package var accessKeyID: String
    /// The secret access key.
    package var secretAccessKey: String
    /// The session token of temporary credentials, or `nil`.
    package var sessionToken: String?

    package init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Every form of the secrets a text could hold: the secret and the token as they are and in base64, and the
    /// `Basic` blob a misconfigured proxy would make of the key and the secret.
    var secretForms: [String] {
        var forms = [secretAccessKey, Self.base64(secretAccessKey), Self.base64(accessKeyID + ":" + secretAccessKey)]
        if let sessionToken, !sessionToken.isEmpty {
            forms += [sessionToken, Self.base64(sessionToken)]
        }
        return forms.filter { !$0.isEmpty }
    }

    package var description: String { "S3Credentials(<redacted>)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    private static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }
}
