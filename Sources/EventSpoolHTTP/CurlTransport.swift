import CCurl
import EventSpoolModel
import Synchronization

import class Foundation.Thread

/// HTTP transfers on libcurl's multi interface, driven by one dedicated thread.
///
/// Callers `await` ``perform(_:)``: the request is put in an inbox, the thread is woken with
/// `curl_multi_wakeup`, and the caller's continuation is resumed when the transfer ends. The thread
/// sleeps in `curl_multi_poll`, so no blocking call ever runs on Swift's cooperative pool.
///
/// Generic: each ``HTTPRequest`` names its method, URL, headers, body and how much of the answer's body to
/// keep, and the answer comes back whole — status, every header, body — for the layer above to read. It knows
/// nothing of events or webhooks.
///
/// Connections are kept alive in the multi handle's connection cache and reused across requests, to one
/// host or several; at most ``Settings/maxConnections`` are open per host and in all, and requests beyond
/// wait in libcurl's queue. Easy handles are pooled and reused, so a warm transport creates none per
/// request.
///
/// The thread is also a `TaskExecutor` (``executor``): a task that prefers it runs its code between
/// transfers on the same thread, so a delivery costs no thread switch at all — the way a bare
/// `curl_easy_perform` loop works, without ever blocking.
package final class CurlTransport: Sendable {
    /// What every request of the transport shares.
    package struct Settings: Sendable {
        /// The longest wait for a TCP (and TLS) connection.
        package var connectTimeout: Duration
        /// The longest one whole request may take, connection included.
        package var totalTimeout: Duration
        /// The most connections open at once, to one host and in all.
        package var maxConnections: Int
        /// TLS for `https` URLs.
        package var tls: TLSSettings
        /// AWS Signature Version 4 for every request (an object store's), or `nil` for none.
        package var awsSignature: AWSSignature?

        package init(
            connectTimeout: Duration,
            totalTimeout: Duration,
            maxConnections: Int,
            tls: TLSSettings = TLSSettings(),
            awsSignature: AWSSignature? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxConnections = maxConnections
            self.tls = tls
            self.awsSignature = awsSignature
        }

        var connectTimeoutMilliseconds: Int { Self.milliseconds(connectTimeout) }
        var totalTimeoutMilliseconds: Int { Self.milliseconds(totalTimeout) }

        /// Whole milliseconds, rounded up so that a positive duration never becomes 0 ("no limit"), and at most
        /// `Int.max`: a duration longer than that many milliseconds (292 million years) is no limit either way,
        /// and must not overflow on the way (the configuration bounds its timeouts; a caller may not).
        private static func milliseconds(_ duration: Duration) -> Int {
            let (seconds, attoseconds) = duration.components
            let (milliseconds, rest) = attoseconds.quotientAndRemainder(dividingBy: 1_000_000_000_000_000)
            let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            guard !overflow else { return seconds > 0 ? Int.max : 0 }
            let (total, carried) = scaled.addingReportingOverflow(milliseconds + (rest > 0 ? 1 : 0))
            guard !carried else { return seconds > 0 ? Int.max : 0 }
            return Int(clamping: total)
        }
    }

    private let shared: CurlShared

    /// Creates the multi handle and starts the transfer thread.
    ///
    /// - Throws: ``TransportSetupError`` when libcurl cannot be set up.
    package init(settings: Settings) throws(TransportSetupError) {
        guard curlGlobalInit == CURLE_OK else {
            throw TransportSetupError(
                message: "libcurl failed to initialise: \(String(cString: curl_easy_strerror(curlGlobalInit)))"
            )
        }
        guard let multi = curl_multi_init() else {
            throw TransportSetupError(message: "libcurl could not create a multi handle")
        }
        let shared = CurlShared(multi: multi)
        let limit = max(1, settings.maxConnections)
        for (option, name) in [
            (CURLMOPT_MAX_HOST_CONNECTIONS, "CURLMOPT_MAX_HOST_CONNECTIONS"),
            (CURLMOPT_MAX_TOTAL_CONNECTIONS, "CURLMOPT_MAX_TOTAL_CONNECTIONS"),
            (CURLMOPT_MAXCONNECTS, "CURLMOPT_MAXCONNECTS"),
        ] {
            let code = eventspool_multi_setopt_long(multi, option, limit)
            guard code == CURLM_OK else {
                throw TransportSetupError(
                    message: "libcurl refused \(name): \(String(cString: curl_multi_strerror(code)))"
                )
            }
        }
        // Make one easy handle now, so a libcurl that refuses an option fails here, not per request.
        let first = try CurlTransfer(settings: settings)
        self.shared = shared

        let loop = CurlLoop(shared: shared, settings: settings, firstTransfer: first)
        let thread = Thread { loop.run() }
        thread.name = "EventSpool.CurlTransport"
        thread.start()
    }

    /// The transfer thread as a task executor. Jobs enqueued after the thread stopped go to the global
    /// concurrent executor, so a task that prefers this executor never strands.
    package var executor: any TaskExecutor { shared }

    deinit {
        // The thread owns the handles; ask it to stop if nobody called `shutdown()`.
        shared.requestStop(waiter: nil)
    }

    /// Sends `request` and waits for the transfer to end.
    ///
    /// Cancelling the calling task removes the transfer and returns ``TransportFailure/cancelled``.
    package func perform(_ request: HTTPRequest) async -> TransferOutcome {
        let job = TransferJob(request: request)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard job.install(continuation) else {
                    continuation.resume(returning: .failed(.cancelled))
                    return
                }
                shared.submit(job)
            }
        } onCancel: {
            if job.requestCancel() {
                shared.cancel(job)
            }
        }
    }

    /// Lets in-flight transfers finish (each is bounded by the total timeout, or by `gracePeriod`),
    /// aborts any still running after that, closes every connection and stops the thread.
    /// Requests made after this get ``TransportFailure/shutDown``.
    package func shutdown(gracePeriod: Duration? = nil) async {
        await withCheckedContinuation { continuation in
            shared.requestStop(waiter: continuation, grace: gracePeriod)
        }
    }
}

/// `curl_global_init`, run once per process before the first handle is made.
private let curlGlobalInit: CURLcode = eventspool_global_init()
