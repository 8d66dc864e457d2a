import EventSpoolHTTP
import EventSpoolModel

// The errors a call ends in, in words that name the operation, the bucket, the key and the URL — and never a
// credential: the store's own words pass through ``S3ErrorAnswer`` first.
extension S3Client {
    /// A failure of `call` that is not an answer's.
    func failure(_ call: S3Call, url: String, code: S3Error.Code, message: String, attempts: Int = 1) -> S3Error {
        S3Error(
            code: code,
            operation: call.operation,
            bucket: configuration.bucket,
            key: call.key ?? call.query.value(of: "prefix"),
            url: url,
            message: message,
            attempts: attempts
        )
    }

    /// The failure an answer is when it is none of `call`'s answers: its status says what kind, and the store's
    /// error code and message (made safe) say why.
    func failure(_ call: S3Call, _ exchange: S3Exchange) -> S3Error {
        let answer = S3ErrorAnswer(exchange.response, redactor: redactor)
        let code: S3Error.Code
        switch exchange.status {
        case 401, 403: code = .accessDenied
        case 404: code = .notFound
        case 409: code = .conflict
        case 429, 503: code = .throttled
        case 500...599: code = .server
        case 400...499: code = .rejected
        default: code = .badResponse
        }
        var message: String
        switch exchange.status {
        case 300...399: message = "the store answered with a redirect, which is never followed"
        case 100...299: message = "the store answered \(exchange.status), which this operation does not expect"
        default: message = "the store refused the request"
        }
        if let text = answer.message {
            message += ": " + text
        }
        if answer.storeCode == "RequestTimeTooSkewed" {
            message += " (this host's clock is more than 15 minutes off the store's)"
        }
        return S3Error(
            code: code,
            operation: call.operation,
            bucket: configuration.bucket,
            key: call.key ?? call.query.value(of: "prefix"),
            url: exchange.url,
            status: exchange.status,
            storeCode: answer.storeCode,
            message: message,
            attempts: exchange.attempts
        )
    }

    /// An answer that makes no sense for `call` (a wrong ETag, XML that does not parse, a body over its limit).
    func badResponse(_ call: S3Call, _ exchange: S3Exchange, _ message: String) -> S3Error {
        S3Error(
            code: .badResponse,
            operation: call.operation,
            bucket: configuration.bucket,
            key: call.key ?? call.query.value(of: "prefix"),
            url: exchange.url,
            status: exchange.status,
            message: message,
            attempts: exchange.attempts
        )
    }

    /// A request that got no answer, in words: `connection refused`, `timed out after 30s`.
    static func words(for failure: TransportFailure) -> String {
        switch failure {
        case .connectionRefused: "connection refused"
        case .couldNotConnect(let reason): "could not connect (\(LoggedText(reason, maxBytes: 200)))"
        case .hostNotFound(let host): "host not found (\(LoggedText(host, maxBytes: 200)))"
        case .connectTimedOut(let after): "timed out after \(after.shortDescription) connecting"
        case .timedOut(let after): "timed out after \(after.shortDescription) waiting for the answer"
        case .connectionReset: "connection reset by the store"
        case .closedBeforeResponse: "connection closed before any answer"
        case .closedMidResponse(let status?): "connection closed in the middle of a \(status) answer"
        case .closedMidResponse(nil): "connection closed in the middle of the answer"
        case .notHTTP: "the answer is not HTTP"
        case .tls(let reason): "TLS failure (\(LoggedText(reason, maxBytes: 200)))"
        case .connectionError(let reason): "connection failed (\(LoggedText(reason, maxBytes: 200)))"
        case .cancelled: "cancelled before the store answered"
        case .shutDown: "the client was shut down before the store answered"
        case .other(let reason): "the request failed (\(LoggedText(reason, maxBytes: 200)))"
        }
    }
}

extension S3Error {
    /// This error with `note` added to its message.
    func noting(_ note: String) -> S3Error {
        S3Error(
            code: code,
            operation: operation,
            bucket: bucket,
            key: key,
            url: url,
            status: status,
            storeCode: storeCode,
            message: message + "; " + note,
            attempts: attempts
        )
    }
}
