import class Foundation.NSCondition
import class Foundation.Thread

/// A few threads this library owns for blocking file I/O, so that no `fsync`, read or directory scan
/// ever runs on Swift's cooperative thread pool (whose threads, one per core, would stall every task).
///
/// Jobs run in the order they were submitted; with one thread they also run one at a time.
package final class IOThreadPool: @unchecked Sendable {
    // Every mutable property below is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var nextJob = 0
    private var isStopping = false
    private var runningThreads = 0
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    /// Starts `threadCount` threads named `name`.
    package init(name: String, threadCount: Int) {
        runningThreads = max(1, threadCount)
        for index in 0..<runningThreads {
            let thread = Thread { [self] in self.work() }
            thread.name = runningThreads == 1 ? name : "\(name)-\(index)"
            thread.start()
        }
    }

    /// Queues `job` for one of the threads.
    ///
    /// - Returns: `false` when the pool is shutting down and the job will never run.
    @discardableResult
    package func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isStopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Runs `body` on one of the threads and returns its result, or `nil` when the pool is shut down.
    package func run<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result?, Never>) in
            let accepted = submit { continuation.resume(returning: body()) }
            if !accepted { continuation.resume(returning: nil) }
        }
    }

    /// Lets the threads finish the jobs already queued, then stops them; returns once they have stopped.
    package func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            isStopping = true
            condition.broadcast()
            if runningThreads == 0 {
                condition.unlock()
                continuation.resume()
            } else {
                stopWaiters.append(continuation)
                condition.unlock()
            }
        }
    }

    /// Asks the threads to stop after the queued jobs, without waiting for them (for `deinit`s).
    package func stopSoon() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while let job = nextQueuedJob() {
            job()
        }
    }

    /// Waits for a job; `nil` when the pool is stopping and nothing is left to do.
    private func nextQueuedJob() -> (@Sendable () -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while nextJob == jobs.count {
            if isStopping {
                runningThreads -= 1
                if runningThreads == 0 {
                    for waiter in stopWaiters { waiter.resume() }
                    stopWaiters = []
                }
                return nil
            }
            condition.wait()
        }
        let job = jobs[nextJob]
        nextJob += 1
        // Drop finished jobs in one go once they are the larger part, so the queue stays O(1) per job.
        if nextJob * 2 >= jobs.count {
            jobs.removeFirst(nextJob)
            nextJob = 0
        }
        return job
    }
}
