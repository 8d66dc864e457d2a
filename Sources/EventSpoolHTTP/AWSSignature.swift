/// AWS Signature Version 4 for every request of a transport, computed by libcurl itself
/// (`CURLOPT_AWS_SIGV4` with `CURLOPT_USERNAME` and `CURLOPT_PASSWORD`): an object store's requests.
///
/// libcurl signs `host`, `x-amz-date` and every header line of the request, over the URL's path and query as
/// they are written: the layer above must send its own `x-amz-content-sha256`, sort and encode the query
/// itself, and add no header-removal line (`docs/s3.md` lists these traps of libcurl 7.88).
///
/// It never prints its secret: ``description`` and the mirror show only the provider and the access key id.
package struct AWSSignature: Sendable, CustomStringConvertible, CustomReflectable {
    /// libcurl's provider string, `aws:amz:<region>:<service>` (`aws:amz:us-east-1:s3`).
    package var provider: String
    /// The access key id: the user name libcurl signs with, named in every request's `Credential=` scope.
    package var accessKeyID: String
    /// The secret access key: the password libcurl derives the signing key from. It is never sent.
    package var secretAccessKey: String

    package init(provider: String, accessKeyID: String, secretAccessKey: String) {
        self.provider = provider
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    package var description: String {
        "AWSSignature(provider: \(provider), accessKeyID: \(accessKeyID), secretAccessKey: <redacted>)"
    }

    package var customMirror: Mirror {
        Mirror(self, children: ["provider": provider, "accessKeyID": accessKeyID], displayStyle: .struct)
    }
}
