/// TLS for `https` URLs. The peer's certificate and host name are always verified; there is no setting that
/// turns that off.
package struct TLSSettings: Sendable, Hashable {
    /// The oldest TLS version accepted.
    package enum MinimumVersion: Sendable, Hashable {
        case tls1_2
        case tls1_3
    }

    /// A PEM file of the certificate authorities to trust instead of the system's (`CURLOPT_CAINFO`).
    package var caFile: String?
    /// A PEM client certificate for mutual TLS (`CURLOPT_SSLCERT`).
    package var certificateFile: String?
    /// The client certificate's private key when it is in a file of its own (`CURLOPT_SSLKEY`).
    package var keyFile: String?
    /// The oldest TLS version accepted (`CURLOPT_SSLVERSION`).
    package var minimumVersion: MinimumVersion

    package init(
        caFile: String? = nil,
        certificateFile: String? = nil,
        keyFile: String? = nil,
        minimumVersion: MinimumVersion = .tls1_2
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.minimumVersion = minimumVersion
    }
}
