import EventSpoolHTTP
import EventSpoolModel
import Logging

import struct Foundation.Date

/// What came back for a call: the answer, and what it took to get it.
struct S3Exchange: Sendable {
    let response: HTTPResponse
    /// The request's URL, for messages.
    let url: String
    let attempts: Int
    /// Whether an earlier attempt failed in a way that may have left the request applied (no answer, a 5xx):
    /// a conflict after it may be this very request's doing.
    let followsUnclearAttempt: Bool

    var status: Int { response.status }
    /// The store's clock, from the answer's `Date` header.
    var serverDate: Date? { S3Timestamp.httpDate(response.headers.first("Date")) }
}

// Sending a call: one attempt after another until an answer, a failure that is no use retrying, the last
// attempt or the deadline.
extension S3Client {
    /// The deadline of an operation whose caller gave none.
    func deadline(_ given: ContinuousClock.Instant?) -> ContinuousClock.Instant {
        given ?? .now + configuration.timeout.operation
    }

    /// Sends `call` until it is answered with one of its answers.
    ///
    /// - Throws: ``S3Error`` for another answer that is no use retrying (403, 400, …), for a failure that is not
    ///   retried, or when retries ran out (the last attempt, or no
    ///   time left before `deadline` for the next wait): it names the last failure and the number of attempts.
    func exchange(_ call: S3Call, deadline: ContinuousClock.Instant) async throws(S3Error) -> S3Exchange {
        let url = endpoint.url(key: call.key, query: call.query)
        let request: HTTPRequest
        do {
            request = HTTPRequest(
                method: call.method,
                url: try HTTPURL(url),
                headerBlock: call.headerBlock(sessionToken: configuration.credentials?.sessionToken),
                body: call.body,
                maxResponseBodyBytes: call.maxResponseBodyBytes
            )
        } catch {
            throw failure(call, url: url, code: .invalidKey, message: error.message)
        }
        var attempts = 0
        var unclear = false
        while true {
            attempts += 1
            let stop: S3Error
            let reason: String
            switch await perform(request, deadline: deadline) {
            case .answered(let response):
                let exchange = S3Exchange(
                    response: response,
                    url: url,
                    attempts: attempts,
                    followsUnclearAttempt: unclear
                )
                if call.answers.contains(response.status) {
                    return exchange
                }
                stop = failure(call, exchange)
                guard let retryReason = Self.retryReason(response) else { throw stop }
                reason = retryReason
            case .failed(let transportFailure):
                if Task.isCancelled {
                    throw failure(call, url: url, code: .cancelled, message: "the calling task was cancelled")
                }
                reason = Self.words(for: transportFailure)
                stop = failure(call, url: url, code: .transport, message: reason, attempts: attempts)
                guard Self.isRetryable(transportFailure) else { throw stop }
            }
            guard attempts < configuration.retry.maxAttempts else { throw stop }
            let delay = S3Backoff.delay(afterAttempt: attempts, retry: configuration.retry)
            guard ContinuousClock.now + delay < deadline else {
                throw stop.noting("no time left before the deadline for another attempt")
            }
            logger.debug(
                "S3 request retried",
                metadata: [
                    "s3.operation": "\(call.operation)", "s3.bucket": "\(configuration.bucket)",
                    "s3.key": "\(call.key ?? "")", "s3.attempt": "\(attempts)", "s3.reason": "\(reason)",
                    "s3.delay": "\(delay)",
                ]
            )
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw failure(call, url: url, code: .cancelled, message: "the calling task was cancelled")
            }
            // The attempt may have been applied all the same (a write that landed before its answer was lost).
            unclear = true
        }
    }

    /// One attempt, ended at `deadline` when that comes before the transport's own time limit.
    private func perform(_ request: HTTPRequest, deadline: ContinuousClock.Instant) async -> TransferOutcome {
        let now = ContinuousClock.now
        guard now < deadline else { return .failed(.timedOut(after: .zero)) }
        if deadline - now >= configuration.timeout.request {
            return await transport.perform(request)
        }
        // The deadline comes first: whichever ends first cancels the other.
        return await withTaskGroup(of: TransferOutcome?.self) { group in
            group.addTask { await self.transport.perform(request) }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first, first != .failed(.cancelled) || Task.isCancelled {
                return first
            }
            return .failed(.timedOut(after: deadline - now))
        }
    }

    /// Why an answer that is not one of the call's answers is worth another attempt, or `nil` when it is not:
    /// 5xx but 501, 429, 408, and a 400 `RequestTimeout` (AWS: the body came too slowly).
    static func retryReason(_ response: HTTPResponse) -> String? {
        switch response.status {
        case 503, 429: return "throttled (\(response.status))"
        case 408: return "request timeout (408)"
        case 501: return nil
        case 500...599: return "server error (\(response.status))"
        case 400:
            let code = (try? S3XMLParser.parse(response.body))?.text(of: "Code")
            return code == "RequestTimeout" ? "request timeout (400 RequestTimeout)" : nil
        default: return nil
        }
    }

    /// Whether a request that got no answer is worth another attempt: not when the TLS handshake or the
    /// certificate failed (that is configuration), nor when the caller or the client stopped it.
    static func isRetryable(_ failure: TransportFailure) -> Bool {
        switch failure {
        case .tls, .cancelled, .shutDown: false
        default: true
        }
    }
}
