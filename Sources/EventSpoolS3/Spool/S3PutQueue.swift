import EventSpoolStorage
import Synchronization

/// Group commit for an object store: the puts that queue while one object is being written go into the next
/// one, so that many publishers share one `PUT` — and each put still returns only once the object holding its
/// events is stored. One object is written at a time, so a process's objects become visible in key order.
///
/// The batch rule is the directory spool's (``SpoolObjectFormat/Records/groupCommitCount(of:maxEvents:maxBytes:)``):
/// first come, first served, a put's events together, up to the events and bytes one object takes.
final class S3PutQueue: Sendable {
    /// One waiting put.
    struct Put: Sendable {
        var records: SpoolObjectFormat.Records
        var orderingKeys: Set<String>
        var continuation: CheckedContinuation<Result<SpoolKey, SpoolError>, Never>
    }

    private struct State {
        var waiting: [Put] = []
        var isDraining = false
        var isClosed = false
        /// Shutdowns waiting for the queue to be written.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let maxEvents: Int
    private let maxBytes: Int

    init(maxEvents: Int, maxBytes: Int = SpoolWriter.maxBatchBytes) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = maxBytes
    }

    /// Queues `records` for the next object and waits until that object is stored.
    ///
    /// - Parameters:
    ///   - refusal: The error of a put made after ``shutdown()``.
    ///   - commit: Writes one object of the puts given, and says how; called by whichever put starts the drain,
    ///     one object at a time.
    func write(
        _ records: SpoolObjectFormat.Records,
        orderingKeys: Set<String>,
        refusal: SpoolError,
        commit: @escaping @Sendable ([Put]) async -> Result<SpoolKey, SpoolError>
    ) async -> Result<SpoolKey, SpoolError> {
        await withCheckedContinuation { continuation in
            let startsDrain = state.withLock { state -> Bool? in
                guard !state.isClosed else { return nil }
                state.waiting.append(Put(records: records, orderingKeys: orderingKeys, continuation: continuation))
                guard !state.isDraining else { return false }
                state.isDraining = true
                return true
            }
            switch startsDrain {
            case nil: continuation.resume(returning: .failure(refusal))
            case true?: Task { await self.drain(commit) }
            case false?: break
            }
        }
    }

    /// Refuses new puts and waits until the queued ones are written.
    func shutdown() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                state.isClosed = true
                guard state.isDraining else { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func drain(_ commit: @Sendable ([Put]) async -> Result<SpoolKey, SpoolError>) async {
        while let batch = nextBatch() {
            let result = await commit(batch)
            for put in batch { put.continuation.resume(returning: result) }
        }
    }

    /// The puts of the next object; `nil` (and no longer draining) when none waits.
    private func nextBatch() -> [Put]? {
        let (batch, waiters) = state.withLock { state -> ([Put]?, [CheckedContinuation<Void, Never>]) in
            guard !state.waiting.isEmpty else {
                state.isDraining = false
                defer { state.drainWaiters = [] }
                return (nil, state.drainWaiters)
            }
            let count = SpoolObjectFormat.Records.groupCommitCount(
                of: state.waiting.lazy.map(\.records),
                maxEvents: maxEvents,
                maxBytes: maxBytes
            )
            let batch = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            return (batch, [])
        }
        for waiter in waiters { waiter.resume() }
        return batch
    }
}
