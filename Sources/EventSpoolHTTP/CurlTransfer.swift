import CCurl
import EventSpoolModel

/// One reusable libcurl easy handle with the buffers of the request it carries.
///
/// Options that never change (timeouts, callbacks, TLS) are set once when the handle is made; each request
/// sets its body and headers, and its URL and method when they differ from the previous request's on this
/// handle. A handle keeps no connection of its own: the multi handle's connection cache does, so any pooled
/// handle reuses any idle keep-alive connection.
///
/// - Important: Confined to the transport's transfer thread. libcurl calls the callbacks on that
///   thread, inside `curl_multi_perform`.
final class CurlTransfer {
    /// The easy handle.
    let easy: UnsafeMutableRawPointer
    /// The request in flight, `nil` while the handle is idle.
    var job: TransferJob?

    /// The URL and method set on the handle, so that a request to the same URL with the same method (a
    /// webhook's every request) sets neither again.
    private var currentURL: String?
    private var currentMethod: HTTPMethod?
    /// The request body, pinned for libcurl (`CURLOPT_POSTFIELDS` does not copy) and reused.
    private var requestBody: UnsafeMutableRawBufferPointer
    /// The request's header lines, NUL-terminated, and the `curl_slist` nodes that point into them.
    /// Both are ours and reused, so a request costs no allocation per header (libcurl only reads the
    /// list, and we never hand it to `curl_slist_free_all`).
    private var headerBytes: UnsafeMutableBufferPointer<CChar>
    private var headerNodes: UnsafeMutableBufferPointer<curl_slist>
    /// libcurl writes its detailed error text here (`CURLOPT_ERRORBUFFER`).
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// The header lines sent with every request after the request's own (``fixedHeaderBlock``, or none when
    /// libcurl signs the requests).
    private let fixedHeaders: [UInt8]

    // The answer as it arrives; reset at every status line, so a 1xx is forgotten at the final one.
    var status: Int?
    /// The header lines of the answer, each followed by a NUL byte (``HTTPResponseHeaders``'s layout).
    var responseHeaders: [UInt8] = []
    var responseBody: [UInt8] = []
    /// The request's cap on the body.
    var maxBodyBytes = 0
    /// Whether the body went past the cap and the write callback stopped the transfer.
    var bodyCapped = false

    /// Creates an easy handle with the options every request shares.
    ///
    /// - Throws: ``TransportSetupError`` when libcurl refuses an option (an old libcurl, say).
    init(settings: CurlTransport.Settings) throws(TransportSetupError) {
        guard let easy = curl_easy_init() else {
            throw TransportSetupError(message: "libcurl could not create an easy handle")
        }
        self.easy = easy
        self.requestBody = .allocate(byteCount: 1024, alignment: 1)
        self.headerBytes = .allocate(capacity: 1024)
        self.headerNodes = .allocate(capacity: 16)
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // libcurl 7.88 signs a header-removal line (`Expect:`) as `expect:` but does not send it, so every
        // signed request would fail (403). A signed body goes as POSTFIELDS, which libcurl sends without
        // `Expect: 100-continue` up to 1 MiB; a larger one waits for the `100 Continue` (unsigned, harmless).
        self.fixedHeaders = settings.awsSignature == nil ? Self.fixedHeaderBlock : []
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

    private func configure(_ settings: CurlTransport.Settings) throws(TransportSetupError) {
        func set(_ option: CURLoption, _ value: Int, _ name: String) throws(TransportSetupError) {
            try check(eventspool_easy_setopt_long(easy, option, value), name)
        }
        func set(_ option: CURLoption, _ value: String, _ name: String) throws(TransportSetupError) {
            try check(eventspool_easy_setopt_string(easy, option, value), name)
        }
        let userdata = Unmanaged.passUnretained(self).toOpaque()

        // Signals are no way to time out a transfer in a multi-threaded process.
        try set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try set(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        // A redirect is never followed: a webhook's 3xx is a permanent failure that a person must look at, and
        // an object store answers where it is asked.
        try set(CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        try set(CURLOPT_MAXREDIRS, 0, "CURLOPT_MAXREDIRS")
        // An answer without a status line is not HTTP; never read it as an HTTP/0.9 body.
        try set(CURLOPT_HTTP09_ALLOWED, 0, "CURLOPT_HTTP09_ALLOWED")
        try set(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeoutMilliseconds, "CURLOPT_CONNECTTIMEOUT_MS")
        try set(CURLOPT_TIMEOUT_MS, settings.totalTimeoutMilliseconds, "CURLOPT_TIMEOUT_MS")
        try applyTLSOptions(settings.tls)
        if let signature = settings.awsSignature {
            // libcurl copies the strings; the secret is never sent, only the signature made with it.
            try set(CURLOPT_AWS_SIGV4, signature.provider, "CURLOPT_AWS_SIGV4")
            try set(CURLOPT_USERNAME, signature.accessKeyID, "CURLOPT_USERNAME")
            try set(CURLOPT_PASSWORD, signature.secretAccessKey, "CURLOPT_PASSWORD")
        }

        try check(
            eventspool_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlTransferWriteCallback),
            "CURLOPT_WRITEFUNCTION"
        )
        try check(eventspool_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, userdata), "CURLOPT_WRITEDATA")
        try check(
            eventspool_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlTransferHeaderCallback),
            "CURLOPT_HEADERFUNCTION"
        )
        try check(eventspool_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, userdata), "CURLOPT_HEADERDATA")
        try check(
            eventspool_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)),
            "CURLOPT_ERRORBUFFER"
        )
    }

    /// TLS: libcurl verifies the peer's certificate and host name by default; this says so out loud,
    /// so that no later change can turn it off by omission. There is no setting that turns it off.
    ///
    /// A CA file replaces libcurl's default bundle and CA directory (`CURLOPT_CAINFO`, `CURLOPT_CAPATH`); a
    /// client certificate and key are PEM files (`CURLOPT_SSLCERT`, `CURLOPT_SSLKEY`); the minimum version
    /// goes into `CURLOPT_SSLVERSION`. The layer above checks that the files can be read.
    private func applyTLSOptions(_ tls: TLSSettings) throws(TransportSetupError) {
        func set(_ option: CURLoption, _ value: String?, _ name: String) throws(TransportSetupError) {
            guard let value else { return }
            try check(eventspool_easy_setopt_string(easy, option, value), name)
        }
        try check(eventspool_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "CURLOPT_SSL_VERIFYPEER")
        try check(eventspool_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "CURLOPT_SSL_VERIFYHOST")
        if let caFile = tls.caFile {
            try set(CURLOPT_CAINFO, caFile, "CURLOPT_CAINFO")
            // Only the given authorities: the CA directory libcurl was built with would widen the trust.
            try check(eventspool_easy_setopt_string(easy, CURLOPT_CAPATH, nil), "CURLOPT_CAPATH")
        }
        try set(CURLOPT_SSLCERT, tls.certificateFile, "CURLOPT_SSLCERT")
        try set(CURLOPT_SSLKEY, tls.keyFile, "CURLOPT_SSLKEY")
        let version = tls.minimumVersion == .tls1_3 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2
        try check(eventspool_easy_setopt_long(easy, CURLOPT_SSLVERSION, Int(version)), "CURLOPT_SSLVERSION")
    }

    private func check(_ code: CURLcode, _ option: String) throws(TransportSetupError) {
        guard code == CURLE_OK else {
            throw TransportSetupError(
                message: "libcurl refused \(option): \(String(cString: curl_easy_strerror(code)))"
            )
        }
    }

    /// Sent with every unsigned request: no `Expect: 100-continue` round trip before the body.
    static let fixedHeaderBlock = Array("Expect:\u{0}".utf8)

    /// Loads `job`'s request into the handle. Returns a failure when libcurl refuses it.
    func prepare(_ job: TransferJob) -> TransportFailure? {
        let request = job.request
        if let failure = setURLAndMethod(of: request) {
            return failure
        }
        if request.method.sendsBody && requestBody.count < request.body.count {
            requestBody.deallocate()
            requestBody = .allocate(byteCount: request.body.count, alignment: 1)
        }
        if request.method.sendsBody {
            request.body.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress, let target = requestBody.baseAddress {
                    target.copyMemory(from: base, byteCount: bytes.count)
                }
            }
        }
        let headerCount = loadHeaders(request.headerBlock)

        status = nil
        responseHeaders.removeAll(keepingCapacity: true)
        responseBody.removeAll(keepingCapacity: responseBody.capacity <= 4096)
        maxBodyBytes = max(0, request.maxResponseBodyBytes)
        bodyCapped = false
        errorBuffer[0] = 0

        var codes = [
            eventspool_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerCount > 0 ? headerNodes.baseAddress : nil)
        ]
        if request.method.sendsBody {
            // Set on every request (they also make the request a POST again, which a custom PUT keeps).
            codes.append(
                eventspool_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            )
            codes.append(eventspool_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, requestBody.baseAddress))
        }
        if let failed = codes.first(where: { $0 != CURLE_OK }) {
            return .other(reason: String(cString: curl_easy_strerror(failed)))
        }
        self.job = job
        return nil
    }

    /// Sets the URL and the method when they differ from the last request's on this handle.
    ///
    /// POST and PUT send the body (`CURLOPT_POSTFIELDS`, PUT by `CURLOPT_CUSTOMREQUEST`); GET, HEAD
    /// (`CURLOPT_NOBODY`: no body is read) and DELETE (`CURLOPT_CUSTOMREQUEST`) start from `CURLOPT_HTTPGET`,
    /// which undoes whatever the handle's previous request set.
    private func setURLAndMethod(of request: HTTPRequest) -> TransportFailure? {
        var codes: [CURLcode] = []
        if request.url.full != currentURL {
            currentURL = nil
            codes.append(eventspool_easy_setopt_string(easy, CURLOPT_URL, request.url.full))
        }
        if request.method != currentMethod {
            currentMethod = nil
            let method = request.method
            if !method.sendsBody {
                codes.append(eventspool_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
            }
            codes.append(eventspool_easy_setopt_long(easy, CURLOPT_NOBODY, method == .head ? 1 : 0))
            let custom: String? = method == .put || method == .delete ? method.rawValue : nil
            codes.append(eventspool_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, custom))
        }
        if let failed = codes.first(where: { $0 != CURLE_OK }) {
            return .other(reason: String(cString: curl_easy_strerror(failed)))
        }
        currentURL = request.url.full
        currentMethod = request.method
        return nil
    }

    /// Copies `block` and the fixed lines into ``headerBytes`` and links one node per line.
    /// Returns the number of lines.
    private func loadHeaders(_ block: [UInt8]) -> Int {
        let fixed = fixedHeaders
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

    /// Forgets the request without an outcome (it was cancelled or aborted).
    func reset() {
        job = nil
    }
}
