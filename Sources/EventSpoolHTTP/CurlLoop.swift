import CCurl
import EventSpoolModel
import Synchronization

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
