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
/// Connections are kept alive in the multi handle's connection cache and reused across requests;
/// at most ``Settings/maxConnections`` are open, and requests beyond wait in libcurl's queue.
/// Easy handles are pooled and reused, so a warm transport creates none per request.
///
/// The thread is also a `TaskExecutor` (``executor``): a task that prefers it runs its code between
/// transfers on the same thread, so a delivery costs no thread switch at all — the way a bare
/// `curl_easy_perform` loop works, without ever blocking.
final class CurlTransport: Sendable {
    /// What the transport needs from the broker configuration.
    struct Settings: Sendable {
        var url: BrokerURL
        var connectTimeout: Duration
        var totalTimeout: Duration
        var maxConnections: Int
        var maxResponseBodyBytes: Int
        var tls: BrokerConfiguration.TLS = .default

        var connectTimeoutMilliseconds: Int { Self.milliseconds(connectTimeout) }
        var totalTimeoutMilliseconds: Int { Self.milliseconds(totalTimeout) }

        /// Whole milliseconds, rounded up so that a positive duration never becomes 0 ("no limit").
        private static func milliseconds(_ duration: Duration) -> Int {
            let (seconds, attoseconds) = duration.components
            let (milliseconds, rest) = attoseconds.quotientAndRemainder(dividingBy: 1_000_000_000_000_000)
            return Int(clamping: seconds * 1000 + milliseconds + (rest > 0 ? 1 : 0))
        }
    }

    private let shared: CurlShared

    /// Creates the multi handle and starts the transfer thread.
    ///
    /// - Throws: ``BrokerClientError`` when libcurl cannot be set up.
    init(settings: Settings) throws(BrokerClientError) {
        guard curlGlobalInit == CURLE_OK else {
            throw BrokerClientError(
                url: settings.url.redacted,
                message: "libcurl failed to initialise: \(String(cString: curl_easy_strerror(curlGlobalInit)))"
            )
        }
        guard let multi = curl_multi_init() else {
            throw BrokerClientError(url: settings.url.redacted, message: "libcurl could not create a multi handle")
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
                throw BrokerClientError(
                    url: settings.url.redacted,
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
    var executor: any TaskExecutor { shared }

    deinit {
        // The thread owns the handles; ask it to stop if nobody called `shutdown()`.
        shared.requestStop(waiter: nil)
    }

    /// Sends `request` and waits for the transfer to end.
    ///
    /// Cancelling the calling task removes the transfer and returns ``TransportFailure/cancelled``.
    func perform(_ request: BrokerRequest) async -> TransferOutcome {
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
    func shutdown(gracePeriod: Duration? = nil) async {
        await withCheckedContinuation { continuation in
            shared.requestStop(waiter: continuation, grace: gracePeriod)
        }
    }
}

/// `curl_global_init`, run once per process before the first handle is made.
private let curlGlobalInit: CURLcode = eventspool_global_init()

/// The state the callers and the transfer thread share: the multi handle (only for
/// `curl_multi_wakeup`, which libcurl allows from any thread) and the inbox. It is also the transfer
/// thread's `TaskExecutor`.
final class CurlShared: TaskExecutor {
    struct Inbox {
        /// Task jobs to run on the transfer thread (tasks that prefer it as their executor).
        var jobs: [UnownedJob] = []
        var submitted: [TransferJob] = []
        var cancelled: [TransferJob] = []
        var stopRequested = false
        /// How long in-flight transfers may still run once a stop is requested; `nil`: their total timeout.
        var stopGrace: Duration?
        var stopped = false
        /// Whether the thread is (about to be) asleep in `curl_multi_poll` and must be woken.
        var polling = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A `CURLM *`. libcurl documents `curl_multi_wakeup` as callable from any thread; every other
    /// use of the handle stays on the transfer thread.
    struct MultiHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    let multi: MultiHandle
    let inbox = Mutex(Inbox())

    init(multi: UnsafeMutableRawPointer) {
        self.multi = MultiHandle(pointer: multi)
    }

    deinit {
        // Runs once the thread has exited (it holds a reference until then) and removed its handles.
        curl_multi_cleanup(multi.pointer)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        let (accepted, wake) = inbox.withLock { inbox -> (Bool, Bool) in
            guard !inbox.stopped else { return (false, false) }
            inbox.jobs.append(unownedJob)
            let wake = inbox.polling
            inbox.polling = false
            return (true, wake)
        }
        if !accepted {
            globalConcurrentExecutor.enqueue(ExecutorJob(unownedJob))
        } else if wake {
            curl_multi_wakeup(multi.pointer)
        }
    }

    func submit(_ job: TransferJob) {
        let (accepted, wake) = inbox.withLock { inbox -> (Bool, Bool) in
            guard !inbox.stopRequested else { return (false, false) }
            inbox.submitted.append(job)
            let wake = inbox.polling
            inbox.polling = false
            return (true, wake)
        }
        if !accepted {
            job.finish(.failed(.shutDown))
        } else if wake {
            curl_multi_wakeup(multi.pointer)
        }
    }

    func cancel(_ job: TransferJob) {
        inbox.withLock { $0.cancelled.append(job) }
        curl_multi_wakeup(multi.pointer)
    }

    func requestStop(waiter: CheckedContinuation<Void, Never>?, grace: Duration? = nil) {
        let alreadyStopped = inbox.withLock { inbox -> Bool in
            inbox.stopRequested = true
            if let grace { inbox.stopGrace = min(grace, inbox.stopGrace ?? grace) }
            if inbox.stopped { return true }
            if let waiter { inbox.stopWaiters.append(waiter) }
            return false
        }
        if alreadyStopped {
            waiter?.resume()
        } else {
            curl_multi_wakeup(multi.pointer)
        }
    }
}

/// The transfer thread's state and loop.
///
/// - Important: After `run()` starts, only the transfer thread touches this object (it is
///   `@unchecked Sendable` only to be handed to that thread).
final class CurlLoop: @unchecked Sendable {
    private let shared: CurlShared
    private let settings: CurlTransport.Settings
    private var multi: UnsafeMutableRawPointer { shared.multi.pointer }

    /// Idle easy handles, reused last-in first-out (the most recently used is the warmest).
    private var idle: [CurlTransfer]
    /// Transfers in flight, by easy handle and by job.
    private var byHandle: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var byJob: [ObjectIdentifier: CurlTransfer] = [:]

    init(shared: CurlShared, settings: CurlTransport.Settings, firstTransfer: CurlTransfer) {
        self.shared = shared
        self.settings = settings
        self.idle = [firstTransfer]
    }

    func run() {
        var stopDeadline: ContinuousClock.Instant?
        let executor = shared.asUnownedTaskExecutor()
        while true {
            // Tasks that prefer this thread run first: they are what submits the next requests.
            let jobs = shared.inbox.withLock { inbox in
                defer { inbox.jobs.removeAll(keepingCapacity: true) }
                return inbox.jobs
            }
            for job in jobs {
                job.runSynchronously(on: executor)
            }
            let (submitted, cancelled, stopRequested, stopGrace) = shared.inbox.withLock { inbox in
                defer {
                    inbox.submitted.removeAll(keepingCapacity: true)
                    inbox.cancelled.removeAll(keepingCapacity: true)
                }
                return (inbox.submitted, inbox.cancelled, inbox.stopRequested, inbox.stopGrace)
            }
            for job in submitted {
                start(job)
            }
            for job in cancelled {
                abort(job, with: .cancelled)
            }
            if stopRequested && stopDeadline == nil {
                // In-flight transfers end by their own total timeout; the grace adds a margin.
                stopDeadline = .now + (stopGrace ?? settings.totalTimeout + .seconds(1))
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collectFinished()

            if let deadline = stopDeadline {
                if byJob.isEmpty { break }
                if .now >= deadline {
                    for transfer in Array(byJob.values) {
                        if let job = transfer.job { abort(job, with: .shutDown) }
                    }
                    break
                }
            }

            let sleep = shared.inbox.withLock { inbox -> Bool in
                // Work that arrived while we were busy is handled before sleeping.
                guard inbox.jobs.isEmpty, inbox.submitted.isEmpty, inbox.cancelled.isEmpty,
                    inbox.stopRequested == stopRequested
                else { return false }
                inbox.polling = true
                return true
            }
            if sleep {
                // libcurl shortens the wait to its own next timeout; a wakeup ends it at once.
                curl_multi_poll(multi, nil, 0, stopDeadline == nil ? 1000 : 50, nil)
                shared.inbox.withLock { $0.polling = false }
            }
        }
        finishThread()
    }

    private func start(_ job: TransferJob) {
        if job.isCancelRequested {
            job.finish(.failed(.cancelled))
            return
        }
        let transfer: CurlTransfer
        if let reused = idle.popLast() {
            transfer = reused
        } else {
            do {
                transfer = try CurlTransfer(settings: settings)
            } catch {
                job.finish(.failed(.other(reason: error.message)))
                return
            }
        }
        if let failure = transfer.prepare(job) {
            transfer.reset()
            idle.append(transfer)
            job.finish(.failed(failure))
            return
        }
        let code = curl_multi_add_handle(multi, transfer.easy)
        guard code == CURLM_OK else {
            transfer.reset()
            idle.append(transfer)
            job.finish(.failed(.other(reason: String(cString: curl_multi_strerror(code)))))
            return
        }
        byHandle[transfer.easy] = transfer
        byJob[ObjectIdentifier(job)] = transfer
    }

    /// Removes `job`'s transfer, if it is still in flight, and resumes the caller with `failure`.
    private func abort(_ job: TransferJob, with failure: TransportFailure) {
        guard let transfer = byJob.removeValue(forKey: ObjectIdentifier(job)) else { return }
        byHandle[transfer.easy] = nil
        curl_multi_remove_handle(multi, transfer.easy)
        transfer.reset()
        idle.append(transfer)
        job.finish(.failed(failure))
    }

    private func collectFinished() {
        var easy: UnsafeMutableRawPointer?
        var code = CURLE_OK
        while eventspool_multi_next_done(multi, &easy, &code) != 0 {
            guard let easy, let transfer = byHandle.removeValue(forKey: easy) else { continue }
            curl_multi_remove_handle(multi, easy)
            let job = transfer.job
            let outcome = transfer.complete(code, settings: settings)
            if let job {
                byJob[ObjectIdentifier(job)] = nil
                job.finish(outcome)
            }
            idle.append(transfer)
        }
    }

    private func finishThread() {
        for transfer in byHandle.values {
            curl_multi_remove_handle(multi, transfer.easy)
        }
        byHandle.removeAll()
        byJob.removeAll()
        idle.removeAll()  // each CurlTransfer cleans up its easy handle as it goes
        let (waiters, late, jobs) = shared.inbox.withLock { inbox in
            inbox.stopped = true
            defer {
                inbox.stopWaiters.removeAll()
                inbox.submitted.removeAll()
                inbox.jobs.removeAll()
            }
            return (inbox.stopWaiters, inbox.submitted, inbox.jobs)
        }
        for job in late {
            job.finish(.failed(.shutDown))
        }
        // Tasks that preferred this thread carry on on the global executor.
        for job in jobs {
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
        for waiter in waiters {
            waiter.resume()
        }
    }
}
