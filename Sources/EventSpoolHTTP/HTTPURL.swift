import CCurl
import EventSpoolModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An `http` or `https` URL checked by libcurl's own URL parser (so it is read exactly as libcurl will read
/// it), with the forms that are safe to show: credentials never appear in a message or a log.
package struct HTTPURL: Sendable, Hashable {
    /// The user name and password in a URL's userinfo, percent-decoded: what libcurl sends as
    /// `Authorization: Basic base64(username:password)`.
    package struct Userinfo: Sendable, Hashable {
        package var username: String
        package var password: String
    }

    /// The URL as configured, userinfo included, for libcurl only.
    package let full: String
    /// The URL without userinfo, for messages and logs.
    package let redacted: String
    /// The host name, for messages.
    package let host: String
    /// Whether the scheme is plain `http`, which sends everything in clear text.
    package let isPlainHTTP: Bool
    /// The decoded user name and password, when the URL has userinfo.
    package let userinfo: Userinfo?
    /// The user name and password as written in the URL and decoded: strings to scrub from any text that
    /// libcurl or the broker hands back.
    package let credentials: [String]

    /// Parses and checks `text`: an absolute `http` or `https` URL with a host.
    ///
    /// - Throws: ``TransportSetupError`` naming the URL (with any credentials cut out).
    package init(_ text: String) throws(TransportSetupError) {
        let shown = Self.masked(text)
        guard let handle = curl_url() else {
            throw TransportSetupError(url: shown, message: "libcurl could not allocate a URL handle")
        }
        defer { curl_url_cleanup(handle) }

        let parsed = curl_url_set(handle, CURLUPART_URL, text, 0)
        guard parsed == CURLUE_OK else {
            let reason = curl_url_strerror(parsed).map { String(cString: $0) } ?? "code \(parsed.rawValue)"
            throw TransportSetupError(url: shown, message: "is not a valid URL (\(reason))")
        }
        let scheme = Self.part(handle, CURLUPART_SCHEME)?.lowercased() ?? ""
        guard scheme == "http" || scheme == "https" else {
            throw TransportSetupError(url: shown, message: "must be an http or https URL, not '\(scheme)'")
        }
        guard let host = Self.part(handle, CURLUPART_HOST), !host.isEmpty else {
            throw TransportSetupError(url: shown, message: "has no host")
        }
        let user = Self.part(handle, CURLUPART_USER)
        let password = Self.part(handle, CURLUPART_PASSWORD)
        guard user != nil || password != nil || !Self.hasUserinfoSeparator(text) else {
            // `https://user:pa#ss@host` reads as host `user`, port `pa`: the password would go out as a path.
            throw TransportSetupError(
                url: shown,
                message: "has an '@' libcurl does not read as the end of a user name and password; "
                    + "percent-encode '/', '?' and '#' in them (%2F, %3F, %23)"
            )
        }
        let decodedUser = Self.part(handle, CURLUPART_USER, flags: UInt32(CURLU_URLDECODE))
        let decodedPassword = Self.part(handle, CURLUPART_PASSWORD, flags: UInt32(CURLU_URLDECODE))
        curl_url_set(handle, CURLUPART_USER, nil, 0)
        curl_url_set(handle, CURLUPART_PASSWORD, nil, 0)
        curl_url_set(handle, CURLUPART_OPTIONS, nil, 0)
        self.full = text
        self.redacted = Self.part(handle, CURLUPART_URL).map(Self.printable) ?? shown
        self.host = host
        self.isPlainHTTP = scheme == "http"
        self.userinfo =
            user == nil && password == nil
            ? nil : Userinfo(username: decodedUser ?? "", password: decodedPassword ?? "")
        self.credentials = [user, password, decodedUser, decodedPassword].compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// Whether the host is this machine as libcurl will reach it, with no resolver asked: `localhost` and
    /// `*.localhost` (RFC 6761; libcurl answers them itself), 127.0.0.0/8 in any spelling libcurl's URL parser
    /// reads as such (`2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` arrive here as `127.0.0.1`), and `::1` or
    /// `::ffff:127.0.0.0/104` in any IPv6 spelling. Anything else may be reached over a network.
    ///
    /// A name with a trailing dot (`localhost.`, `x.localhost.`, `127.0.0.1.`) is not this machine, whatever it
    /// looks like: libcurl hands it to the resolver, and a DNS answer chooses where it goes.
    package var isLoopback: Bool {
        let name = host.lowercased()
        if name.hasSuffix(".") { return false }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        if name.hasPrefix("["), name.hasSuffix("]") {
            let address = name.dropFirst().dropLast().prefix { $0 != "%" }
            var bytes = in6_addr()
            guard inet_pton(AF_INET6, String(address), &bytes) == 1 else { return false }
            let octets = withUnsafeBytes(of: &bytes) { Array($0) }
            let isIPv4Mapped = octets[..<10].allSatisfy { $0 == 0 } && octets[10] == 0xFF && octets[11] == 0xFF
            return octets == [UInt8](repeating: 0, count: 15) + [1] || (isIPv4Mapped && octets[12] == 127)
        }
        var bytes = in_addr()
        guard inet_pton(AF_INET, name, &bytes) == 1 else { return false }
        return withUnsafeBytes(of: &bytes) { $0.first } == 127
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }

    /// `text` as a message or a log may show it, whatever is wrong with it: userinfo masked as
    /// `<redacted>@`, control characters escaped, at most ``LoggedText/defaultMaxBytes`` long.
    ///
    /// A URL libcurl can read (any scheme: `htps://` too) loses its userinfo as libcurl reads it. One it
    /// cannot read may still hold a password, maybe in a place libcurl would not look for it
    /// (`https://user:pa/ss@host`): everything from the end of `scheme://` (or the start) to the last `@`
    /// is masked.
    package static func masked(_ text: String) -> String {
        guard text.contains("@") else { return printable(text) }
        guard let handle = curl_url() else { return printable(roughlyMasked(text)) }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, text, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else {
            return printable(roughlyMasked(text))
        }
        let hasUserinfo = part(handle, CURLUPART_USER) != nil || part(handle, CURLUPART_PASSWORD) != nil
        guard hasUserinfo else {
            // An `@` only in the path or the query is no credential; one before them is one libcurl misread.
            return printable(hasUserinfoSeparator(text) ? roughlyMasked(text) : text)
        }
        curl_url_set(handle, CURLUPART_USER, nil, 0)
        curl_url_set(handle, CURLUPART_PASSWORD, nil, 0)
        curl_url_set(handle, CURLUPART_OPTIONS, nil, 0)
        guard let bare = part(handle, CURLUPART_URL, flags: UInt32(CURLU_NON_SUPPORT_SCHEME)),
            let schemeEnd = bare.firstRange(of: "://")
        else { return printable(roughlyMasked(text)) }
        return printable(bare[..<schemeEnd.upperBound] + "<redacted>@" + bare[schemeEnd.upperBound...])
    }

    /// Whether an `@` comes before the first `/` after `scheme://` (or after the start, without one): where
    /// userinfo ends, or where a misread one does.
    private static func hasUserinfoSeparator(_ text: String) -> Bool {
        let start = text.firstRange(of: "://")?.upperBound ?? text.startIndex
        return text[start...].prefix { $0 != "/" }.contains("@")
    }

    /// Everything from the end of `scheme://` (or the start) to the last `@` masked.
    private static func roughlyMasked(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start =
            text.firstRange(of: "://").map { $0.upperBound <= at ? $0.upperBound : text.startIndex }
            ?? text.startIndex
        return text[..<start] + "<redacted>" + text[at...]
    }

    private static func printable(_ text: String) -> String {
        LoggedText(text).description
    }
}
