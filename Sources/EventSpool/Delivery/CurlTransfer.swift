import CCurl
import EventSpoolModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One reusable libcurl easy handle with the buffers of the request it carries.
///
/// Options that never change (URL, timeouts, callbacks, TLS) are set once when the handle is made;
/// each request sets only its body and headers. A handle keeps no connection of its own: the multi
/// handle's connection cache does, so any pooled handle reuses any idle keep-alive connection.
///
/// - Important: Confined to the transport's transfer thread. libcurl calls the callbacks on that
///   thread, inside `curl_multi_perform`.
final class CurlTransfer {
    /// The easy handle.
    let easy: UnsafeMutableRawPointer
    /// The request in flight, `nil` while the handle is idle.
    var job: TransferJob?

    private let maxBodyBytes: Int
    /// The request body, pinned for libcurl (`CURLOPT_POSTFIELDS` does not copy) and reused.
    private var requestBody: UnsafeMutableRawBufferPointer
    /// The request's header lines, NUL-terminated, and the `curl_slist` nodes that point into them.
    /// Both are ours and reused, so a request costs no allocation per header (libcurl only reads the
    /// list, and we never hand it to `curl_slist_free_all`).
    private var headerBytes: UnsafeMutableBufferPointer<CChar>
    private var headerNodes: UnsafeMutableBufferPointer<curl_slist>
    /// libcurl writes its detailed error text here (`CURLOPT_ERRORBUFFER`).
    private let errorBuffer: UnsafeMutablePointer<CChar>

    // The answer as it arrives; reset at every status line, so a 1xx is forgotten at the final one.
    private var status: Int?
    private var retryAfter: String?
    private var responseBody: [UInt8] = []
    /// Whether the body went past the cap and the write callback stopped the transfer.
    private var bodyCapped = false

    /// Creates an easy handle with the options every request shares.
    ///
    /// - Throws: ``BrokerClientError`` when libcurl refuses an option (an old libcurl, say).
    init(settings: CurlTransport.Settings) throws(BrokerClientError) {
        guard let easy = curl_easy_init() else {
            throw BrokerClientError(url: settings.url.redacted, message: "libcurl could not create an easy handle")
        }
        self.easy = easy
        self.maxBodyBytes = settings.maxResponseBodyBytes
        self.requestBody = .allocate(byteCount: 1024, alignment: 1)
        self.headerBytes = .allocate(capacity: 1024)
        self.headerNodes = .allocate(capacity: 16)
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        do {
            try configure(settings)
        } catch {
            release()
            throw error
        }
    }

    deinit {
        release()
    }

    private func release() {
        curl_easy_cleanup(easy)
        requestBody.deallocate()
        headerBytes.deallocate()
        headerNodes.deallocate()
        errorBuffer.deallocate()
    }

    private func configure(_ settings: CurlTransport.Settings) throws(BrokerClientError) {
        func set(_ option: CURLoption, _ value: Int, _ name: String) throws(BrokerClientError) {
            try check(eventspool_easy_setopt_long(easy, option, value), name, settings)
        }
        func set(_ option: CURLoption, _ value: String, _ name: String) throws(BrokerClientError) {
            try check(eventspool_easy_setopt_string(easy, option, value), name, settings)
        }
        let userdata = Unmanaged.passUnretained(self).toOpaque()

        try set(CURLOPT_URL, settings.url.full, "CURLOPT_URL")
        // Signals are no way to time out a transfer in a multi-threaded process.
        try set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        // A POST must not be redirected: a 3xx is a permanent failure that a person must look at.
        try set(CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        try set(CURLOPT_MAXREDIRS, 0, "CURLOPT_MAXREDIRS")
        // An answer without a status line is not HTTP; never read it as an HTTP/0.9 body.
        try set(CURLOPT_HTTP09_ALLOWED, 0, "CURLOPT_HTTP09_ALLOWED")
        try set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeoutMilliseconds, "CURLOPT_CONNECTTIMEOUT_MS")
        try set(CURLOPT_TIMEOUT_MS, settings.totalTimeoutMilliseconds, "CURLOPT_TIMEOUT_MS")
        try applyTLSOptions(settings)

        try check(
            eventspool_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlTransferWriteCallback),
            "CURLOPT_WRITEFUNCTION",
            settings
        )
        try check(eventspool_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, userdata), "CURLOPT_WRITEDATA", settings)
        try check(
            eventspool_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlTransferHeaderCallback),
            "CURLOPT_HEADERFUNCTION",
            settings
        )
        try check(eventspool_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, userdata), "CURLOPT_HEADERDATA", settings)
        try check(
            eventspool_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)),
            "CURLOPT_ERRORBUFFER",
            settings
        )
    }

    /// TLS: libcurl verifies the peer's certificate and host name by default; this says so out loud,
    /// so that no later change can turn it off by omission. There is no setting that turns it off.
    ///
    /// A CA file replaces libcurl's default bundle and CA directory (`CURLOPT_CAINFO`, `CURLOPT_CAPATH`); a client certificate and key are
    /// PEM files (`CURLOPT_SSLCERT`, `CURLOPT_SSLKEY`); the minimum version goes into `CURLOPT_SSLVERSION`.
    /// The files were checked for readability when the client was made.
    private func applyTLSOptions(_ settings: CurlTransport.Settings) throws(BrokerClientError) {
        func set(_ option: CURLoption, _ value: String?, _ name: String) throws(BrokerClientError) {
            guard let value else { return }
            try check(eventspool_easy_setopt_string(easy, option, value), name, settings)
        }
        try check(eventspool_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "CURLOPT_SSL_VERIFYPEER", settings)
        try check(eventspool_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "CURLOPT_SSL_VERIFYHOST", settings)
        let tls = settings.tls
        if let caFile = tls.caFile {
            try set(CURLOPT_CAINFO, caFile, "CURLOPT_CAINFO")
            // Only the given authorities: the CA directory libcurl was built with would widen the trust.
            try check(eventspool_easy_setopt_string(easy, CURLOPT_CAPATH, nil), "CURLOPT_CAPATH", settings)
        }
        try set(CURLOPT_SSLCERT, tls.certificateFile, "CURLOPT_SSLCERT")
        try set(CURLOPT_SSLKEY, tls.keyFile, "CURLOPT_SSLKEY")
        let version = tls.minimumVersion >= .v1_3 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2
        try check(eventspool_easy_setopt_long(easy, CURLOPT_SSLVERSION, Int(version)), "CURLOPT_SSLVERSION", settings)
    }

    private func check(_ code: CURLcode, _ option: String, _ settings: CurlTransport.Settings) throws(BrokerClientError)
    {
        guard code == CURLE_OK else {
            throw BrokerClientError(
                url: settings.url.redacted,
                message: "libcurl refused \(option): \(String(cString: curl_easy_strerror(code)))"
            )
        }
    }

    /// Sent with every request: no `Expect: 100-continue` round trip before the body.
    static let fixedHeaderBlock = Array("Expect:\u{0}".utf8)

    /// Loads `job`'s request into the handle. Returns a failure when libcurl refuses it.
    func prepare(_ job: TransferJob) -> TransportFailure? {
        let request = job.request
        if requestBody.count < request.body.count {
            requestBody.deallocate()
            requestBody = .allocate(byteCount: request.body.count, alignment: 1)
        }
        request.body.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress, let target = requestBody.baseAddress {
                target.copyMemory(from: base, byteCount: bytes.count)
            }
        }
        let headerCount = loadHeaders(request.headerBlock)

        status = nil
        retryAfter = nil
        responseBody.removeAll(keepingCapacity: responseBody.capacity <= 4096)
        bodyCapped = false
        errorBuffer[0] = 0

        let codes = [
            eventspool_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)),
            eventspool_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, requestBody.baseAddress),
            eventspool_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerCount > 0 ? headerNodes.baseAddress : nil),
        ]
        if let failed = codes.first(where: { $0 != CURLE_OK }) {
            return .other(reason: String(cString: curl_easy_strerror(failed)))
        }
        self.job = job
        return nil
    }

    /// Copies `block` and the fixed lines into ``headerBytes`` and links one node per line.
    /// Returns the number of lines.
    private func loadHeaders(_ block: [UInt8]) -> Int {
        let fixed = Self.fixedHeaderBlock
        let total = block.count + fixed.count
        if headerBytes.count < total {
            headerBytes.deallocate()
            headerBytes = .allocate(capacity: total)
        }
        let bytes = UnsafeMutableRawBufferPointer(headerBytes)
        block.withUnsafeBytes { bytes.copyMemory(from: $0) }
        fixed.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[block.count...]).copyMemory(from: $0) }

        guard let base = headerBytes.baseAddress else { return 0 }
        // One pass: each NUL ends a line; a node points at the line's first byte.
        var lines = 0
        var start = 0
        for index in 0..<total where base[index] == 0 {
            if lines == headerNodes.count {
                let grown = UnsafeMutableBufferPointer<curl_slist>.allocate(capacity: headerNodes.count * 2)
                _ = grown.initialize(fromContentsOf: headerNodes)
                headerNodes.deallocate()
                headerNodes = grown
            }
            headerNodes[lines] = curl_slist(data: base + start, next: nil)
            lines += 1
            start = index + 1
        }
        guard let nodes = headerNodes.baseAddress else { return 0 }
        for line in 0..<max(0, lines - 1) {
            nodes[line].next = nodes + line + 1
        }
        return lines
    }

    /// Turns libcurl's result for the finished transfer into an outcome, and forgets the request.
    func complete(_ code: CURLcode, settings: CurlTransport.Settings) -> TransferOutcome {
        let outcome: TransferOutcome
        if code == CURLE_OK, let status {
            outcome = .answered(status: status, retryAfter: retryAfter, body: responseBody)
        } else if code == CURLE_WRITE_ERROR, bodyCapped, let status {
            // We stopped reading at the cap; the status line and headers had all arrived.
            outcome = .answered(status: status, retryAfter: retryAfter, body: responseBody)
        } else {
            outcome = .failed(failure(for: code, settings: settings))
        }
        job = nil
        return outcome
    }

    /// Forgets the request without an outcome (it was cancelled or aborted).
    func reset() {
        job = nil
    }

    private func failure(for code: CURLcode, settings: CurlTransport.Settings) -> TransportFailure {
        var osErrno = 0
        _ = eventspool_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OK:
            // A transfer that "succeeded" without a status line: nothing HTTP came back.
            return .notHTTP
        case CURLE_COULDNT_CONNECT:
            if osErrno == Int(ECONNREFUSED) {
                return .connectionRefused
            }
            return .couldNotConnect(reason: osErrno != 0 ? String(cString: strerror(Int32(osErrno))) : detail)
        case CURLE_COULDNT_RESOLVE_HOST:
            return .hostNotFound(host: settings.url.host)
        case CURLE_OPERATION_TIMEDOUT:
            // Nothing sent yet means the connection never came up (or never came free).
            var requestBytes = 0
            _ = eventspool_easy_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestBytes)
            if requestBytes == 0 && settings.connectTimeout < settings.totalTimeout {
                var elapsed: curl_off_t = 0
                _ = eventspool_easy_getinfo_off_t(easy, CURLINFO_TOTAL_TIME_T, &elapsed)
                if Duration.microseconds(elapsed) < settings.totalTimeout {
                    return .connectTimedOut(after: settings.connectTimeout)
                }
            }
            return .timedOut(after: settings.totalTimeout)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            if osErrno == Int(ECONNRESET) || osErrno == Int(EPIPE) || detail.contains("reset by peer") {
                return .connectionReset
            }
            return .connectionError(reason: detail)
        case CURLE_GOT_NOTHING:
            return status == nil ? .closedBeforeResponse : .closedMidResponse(status: status)
        case CURLE_PARTIAL_FILE:
            return .closedMidResponse(status: status)
        case CURLE_WEIRD_SERVER_REPLY, CURLE_UNSUPPORTED_PROTOCOL:
            // The URL's scheme was checked at start-up, so "unsupported protocol" during a transfer
            // is libcurl refusing an HTTP/0.9 (status-less) answer.
            return .notHTTP
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_USE_SSL_FAILED:
            return .tls(reason: detail)
        case CURLE_WRITE_ERROR where bodyCapped:
            return .closedMidResponse(status: status)
        case CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3:
            return .connectionError(reason: detail)
        default:
            return .other(reason: detail)
        }
    }

    /// Body bytes from libcurl: kept up to the cap; past it, returning less than offered makes
    /// libcurl stop the transfer, so an endless or huge body is never buffered.
    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        let room = maxBodyBytes - responseBody.count
        if bytes.count <= room {
            responseBody.append(contentsOf: bytes)
            return bytes.count
        }
        responseBody.append(contentsOf: bytes.prefix(max(0, room)))
        bodyCapped = true
        return 0
    }

    /// One header line from libcurl, CRLF included. A status line starts a new response (the final
    /// one follows any 1xx); of the headers only `Retry-After` matters.
    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) -> Int {
        if line.starts(with: "HTTP/".utf8) {
            status = Self.statusCode(in: line)
            retryAfter = nil
            responseBody.removeAll(keepingCapacity: true)
        } else if retryAfter == nil, line.count > 12, line[0] | 0x20 == UInt8(ascii: "r"),
            line.prefix(12).lazy.map({ $0 | 0x20 }).elementsEqual("retry-after:".utf8)
        {
            retryAfter = String(decoding: line.dropFirst(12), as: UTF8.self).trimmingWhitespace()
        }
        return line.count
    }

    /// The three digits after the first space of a status line such as `HTTP/1.1 503 Busy`.
    static func statusCode(in line: some Collection<UInt8>) -> Int? {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let digits = line[line.index(after: space)...].prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}

// libcurl takes plain C function pointers; `userdata` is the `CurlTransfer`, kept alive by the pool.
private let curlTransferWriteCallback: eventspool_curl_data_callback = { pointer, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: pointer, count: size * count))
}

private let curlTransferHeaderCallback: eventspool_curl_data_callback = { pointer, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receiveHeader(UnsafeRawBufferPointer(start: pointer, count: size * count))
}
