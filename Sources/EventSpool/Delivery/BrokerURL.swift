import CCurl

/// A broker URL checked by libcurl's own URL parser (so it is read exactly as libcurl will read it),
/// with the forms that are safe to show: credentials never appear in a message or a log.
struct BrokerURL: Sendable, Hashable {
    /// The URL as configured, userinfo included, for libcurl only.
    let full: String
    /// The URL without userinfo, for messages and logs.
    let redacted: String
    /// The host name, for messages.
    let host: String
    /// The user name and password from the URL, when present: strings to scrub from any text that
    /// libcurl or the broker hands back.
    let credentials: [String]

    /// Parses and checks `text`: an absolute `http` or `https` URL with a host.
    ///
    /// - Throws: ``BrokerClientError`` naming the URL (with any credentials cut out).
    init(_ text: String) throws(BrokerClientError) {
        let safeText = Self.roughlyRedacted(text)
        guard let handle = curl_url() else {
            throw BrokerClientError(url: safeText, message: "libcurl could not allocate a URL handle")
        }
        defer { curl_url_cleanup(handle) }

        let parsed = curl_url_set(handle, CURLUPART_URL, text, 0)
        guard parsed == CURLUE_OK else {
            let reason = curl_url_strerror(parsed).map { String(cString: $0) } ?? "code \(parsed.rawValue)"
            throw BrokerClientError(url: safeText, message: "is not a valid URL (\(reason))")
        }
        let scheme = Self.part(handle, CURLUPART_SCHEME)?.lowercased() ?? ""
        guard scheme == "http" || scheme == "https" else {
            throw BrokerClientError(url: safeText, message: "must be an http or https URL, not '\(scheme)'")
        }
        guard let host = Self.part(handle, CURLUPART_HOST), !host.isEmpty else {
            throw BrokerClientError(url: safeText, message: "has no host")
        }
        let credentials = [Self.part(handle, CURLUPART_USER), Self.part(handle, CURLUPART_PASSWORD)]
            .compactMap { $0 }
            .filter { !$0.isEmpty }
        curl_url_set(handle, CURLUPART_USER, nil, 0)
        curl_url_set(handle, CURLUPART_PASSWORD, nil, 0)
        self.full = text
        self.redacted = Self.part(handle, CURLUPART_URL) ?? safeText
        self.host = host
        self.credentials = credentials
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }

    /// `text` with anything between `://` and an `@` in the authority replaced, for the error about
    /// a URL too broken to parse (which may still carry a password).
    static func roughlyRedacted(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://") else { return text }
        let authorityEnd =
            text[schemeEnd.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" }
            ?? text.endIndex
        guard let at = text[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") else { return text }
        return text[..<schemeEnd.upperBound] + "<redacted>" + text[at...]
    }
}
