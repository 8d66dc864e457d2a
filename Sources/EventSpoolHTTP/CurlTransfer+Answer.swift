import CCurl
import EventSpoolModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The answer: libcurl's callbacks collect it as it arrives, and `complete` hands it over when the transfer ends.
extension CurlTransfer {
    /// Turns libcurl's result for the finished transfer into an outcome, and forgets the request.
    func complete(_ code: CURLcode, settings: CurlTransport.Settings) -> TransferOutcome {
        let outcome: TransferOutcome
        if let status, code == CURLE_OK || (code == CURLE_WRITE_ERROR && bodyCapped) {
            // A complete answer, or one whose body we stopped reading at the cap (the status line and the
            // headers had all arrived).
            outcome = .answered(
                HTTPResponse(
                    status: status,
                    headers: HTTPResponseHeaders(block: responseHeaders),
                    body: responseBody,
                    isBodyCut: bodyCapped
                )
            )
        } else {
            outcome = .failed(failure(for: code, host: job?.request.url.host ?? "", settings: settings))
        }
        job = nil
        return outcome
    }

    private func failure(for code: CURLcode, host: String, settings: CurlTransport.Settings) -> TransportFailure {
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
            return .hostNotFound(host: host)
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

    /// Body bytes from libcurl: kept up to the request's cap; past it, returning less than offered makes
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
    /// one follows any 1xx); every other line but the blank one that ends the headers is kept.
    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) -> Int {
        if line.starts(with: "HTTP/".utf8) {
            status = Self.statusCode(in: line)
            responseHeaders.removeAll(keepingCapacity: true)
            responseBody.removeAll(keepingCapacity: true)
            return line.count
        }
        var end = line.count
        while end > 0 && (line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r")) {
            end -= 1
        }
        if end > 0 {
            responseHeaders.append(contentsOf: line.prefix(end))
            responseHeaders.append(0)
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
let curlTransferWriteCallback: eventspool_curl_data_callback = { pointer, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: pointer, count: size * count))
}

let curlTransferHeaderCallback: eventspool_curl_data_callback = { pointer, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.receiveHeader(UnsafeRawBufferPointer(start: pointer, count: size * count))
}
