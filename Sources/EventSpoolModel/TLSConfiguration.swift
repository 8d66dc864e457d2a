/// TLS settings for an `https` server — a broker (`broker.tls.*`) or an S3-compatible store (`spool.s3.tls.*`).
/// The server's certificate and host name are always verified; there is no switch to turn that off.
public struct TLSConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// A PEM file of the certificate authorities to trust *instead of* the system's bundle
    /// (`CURLOPT_CAINFO`); for a server with a private CA. `nil`: the system's trust store.
    public var caFile: String?
    /// A PEM client certificate, for servers that want mutual TLS (`CURLOPT_SSLCERT`). The file
    /// may hold the private key too.
    public var certificateFile: String?
    /// The PEM private key of ``certificateFile`` when it is in a file of its own (`CURLOPT_SSLKEY`);
    /// it must not be encrypted.
    public var keyFile: String?
    /// The oldest TLS version accepted; TLS 1.2 by default.
    public var minimumVersion: Version

    /// Creates TLS settings.
    ///
    /// - Parameters:
    ///   - caFile: Certificate authorities to trust instead of the system's.
    ///   - certificateFile: A client certificate for mutual TLS.
    ///   - keyFile: The client certificate's private key, when not in `certificateFile`.
    ///   - minimumVersion: The oldest TLS version accepted.
    public init(
        caFile: String? = nil,
        certificateFile: String? = nil,
        keyFile: String? = nil,
        minimumVersion: Version = .v1_2
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.minimumVersion = minimumVersion
    }

    /// The system's trust store, no client certificate, TLS 1.2 or newer.
    public static var `default`: TLSConfiguration { TLSConfiguration() }

    public var description: String {
        var parts = ["minimumVersion: \(minimumVersion)"]
        if let caFile { parts.append("caFile: \(caFile)") }
        if let certificateFile { parts.append("certificateFile: \(certificateFile)") }
        if let keyFile { parts.append("keyFile: \(keyFile)") }
        return "TLS(\(parts.joined(separator: ", ")))"
    }

    /// A TLS protocol version.
    public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible {
        private enum Base: Int, Hashable {
            case v1_2 = 12
            case v1_3 = 13
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// TLS 1.2.
        public static let v1_2 = Version(.v1_2)
        /// TLS 1.3.
        public static let v1_3 = Version(.v1_3)

        /// Parses `1.2` or `1.3` (a leading `TLS`, `TLSv` or `v` is allowed).
        public init?(_ text: String) {
            var version = Substring(text.trimmingWhitespace().lowercased())
            for prefix in ["tlsv", "tls", "v"] where version.hasPrefix(prefix) {
                version = version.dropFirst(prefix.count)
                break
            }
            switch version {
            case "1.2": self.init(.v1_2)
            case "1.3": self.init(.v1_3)
            default: return nil
            }
        }

        public var description: String {
            switch base {
            case .v1_2: return "1.2"
            case .v1_3: return "1.3"
            }
        }

        public static func < (lhs: Version, rhs: Version) -> Bool {
            lhs.base.rawValue < rhs.base.rawValue
        }
    }
}
