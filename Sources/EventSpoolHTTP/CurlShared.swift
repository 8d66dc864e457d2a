import CCurl
import Synchronization

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
