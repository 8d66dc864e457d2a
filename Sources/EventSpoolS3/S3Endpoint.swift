import EventSpoolHTTP

/// Where a bucket's requests go: the URL of the bucket and of each object in it, path-style
/// (`http://127.0.0.1:8333/bucket/key`) or virtual-hosted (`https://bucket.s3.example.com/key`).
struct S3Endpoint: Sendable {
    /// The bucket's URL without a trailing `/`: `http://127.0.0.1:8333/bucket` or `https://bucket.host`.
    private let bucketURL: String
    /// What an object URL's path starts with after ``bucketURL``: `/`.
    let isPathStyle: Bool

    /// Checks the endpoint, the bucket and the region of `configuration`.
    ///
    /// - Throws: ``S3Error/Code/invalidConfiguration`` naming what is wrong.
    init(_ configuration: S3Configuration) throws(S3Error) {
        func invalid(_ message: String) -> S3Error { configuration.invalid(message) }
        let url: HTTPURL
        do {
            url = try HTTPURL(configuration.endpoint)
        } catch {
            throw invalid("endpoint \(error.message)")
        }
        guard url.userinfo == nil else {
            throw invalid(
                "endpoint \(url.redacted) holds a user name or password; give the access key and secret as credentials"
            )
        }
        let text = configuration.endpoint
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw invalid("endpoint \(url.redacted) has no scheme")
        }
        let afterScheme = text[schemeEnd.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let rest = afterScheme.dropFirst(authority.count)
        guard rest.isEmpty || rest == "/" else {
            throw invalid(
                "endpoint \(url.redacted) has a path, query or fragment; give only scheme, host and port"
            )
        }
        if let problem = Self.problem(withBucket: configuration.bucket) {
            throw invalid("bucket '\(configuration.bucket)' \(problem)")
        }
        if let problem = Self.problem(withRegion: configuration.region) {
            throw invalid("region '\(configuration.region)' \(problem)")
        }
        let scheme = text[..<schemeEnd.upperBound]
        if configuration.pathStyle {
            bucketURL = scheme + authority + "/" + configuration.bucket
        } else {
            guard !Self.isAddressLiteral(url.host) else {
                throw invalid(
                    "virtual-hosted style (pathStyle false) needs a host name, not the address \(url.host)"
                )
            }
            bucketURL = scheme + configuration.bucket + "." + authority
        }
        isPathStyle = configuration.pathStyle
    }

    /// The URL of the bucket (`key` `nil`) or of an object, with `query` (sorted and encoded) when it has any.
    func url(key: String?, query: S3Query = S3Query()) -> String {
        var url = bucketURL
        if let key {
            url += "/" + key
        } else if !isPathStyle || !query.isEmpty {
            url += "/"
        }
        if !query.isEmpty {
            url += "?" + query.encoded
        }
        return url
    }

    /// Why `bucket` is not a bucket name the client sends (3–63 of `a–z 0–9 . -`, starting and ending with a
    /// letter or digit, no `..`), or `nil`.
    static func problem(withBucket bucket: String) -> String? {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count) else { return "must be 3 to 63 characters long" }
        func isLetterOrDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard bytes.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
            return "may hold only a-z, 0-9, '.' and '-'"
        }
        guard let first = bytes.first, let last = bytes.last, isLetterOrDigit(first), isLetterOrDigit(last),
            !bucket.contains("..")
        else { return "must start and end with a letter or digit and have no '..'" }
        return nil
    }

    /// Why `region` cannot go into libcurl's `aws:amz:<region>:s3` (which a `:` would break), or `nil`.
    static func problem(withRegion region: String) -> String? {
        let allowed = region.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
        return !region.isEmpty && region.utf8.count <= 64 && allowed ? nil : "may hold only a-z, 0-9 and '-'"
    }

    /// Whether `host` is an IPv4 address or a bracketed IPv6 one: no bucket name can go in front of it.
    private static func isAddressLiteral(_ host: String) -> Bool {
        host.hasPrefix("[") || (!host.isEmpty && host.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") })
    }
}
