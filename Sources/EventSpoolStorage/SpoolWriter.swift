import EventSpoolModel
import EventSpoolSystem
import Logging

import struct Foundation.Date
import class Foundation.NSCondition

/// Group commit: one thread that writes the puts waiting for it as one object at a time.
///
/// While the thread writes and flushes one object, new puts queue up; the next object takes all of them
/// (up to `maxEventsPerObject` events and ``maxBatchBytes``), so concurrent publishers share one fsync,
/// one rename and one folder fsync — and each put still returns only once the object holding its events
/// is durable. A put's events always stay together and in order; puts are taken first come, first served.
package final class SpoolWriter: Sendable {
    private struct Request: Sendable {
        var records: SpoolObjectFormat.Records
        var orderingKeys: Set<String>
        var continuation: CheckedContinuation<Result<SpoolKey, SpoolError>, Never>
    }

    private struct Queue {
        var requests: [Request] = []
        var isDraining = false
        var isClosed = false
        /// How many puts were waiting when the previous object was durable (the ones it took, and the
        /// ones queued meanwhile), and how long writing it took.
        var lastConcurrency = 0
        var lastCommitDuration = Duration.zero
    }

    /// The most bytes of records one object gathers from several puts; a single larger put is still
    /// written whole.
    package static let maxBatchBytes = 4 << 20

    private let directory: SpoolFolders
    private let usage: SpoolUsage
    private let keys: SpoolKeySource
    private let clock: any WallClock
    private let maxEventsPerObject: Int
    private let thread = IOThreadPool(name: "EventSpool.writer", threadCount: 1)
    /// Guards `queue`, and is signalled when a put arrives (a condition, not a `Mutex`: the writer waits
    /// on it with a deadline in ``gatherPuts()``).
    private let condition = NSCondition()
    nonisolated(unsafe) private var queue = Queue()
    /// Lock files the writer thread holds open (`newest-key`, `ordering.lock`, `ordering/`); only it touches them.
    nonisolated(unsafe) private var lockFiles: [String: SpoolLockFile] = [:]

    init(
        directory: SpoolFolders,
        usage: SpoolUsage,
        keys: SpoolKeySource,
        clock: any WallClock,
        maxEventsPerObject: Int
    ) {
        self.directory = directory
        self.usage = usage
        self.keys = keys
        self.clock = clock
        self.maxEventsPerObject = max(1, maxEventsPerObject)
    }

    /// Queues `records` for the next object and waits until that object is durable.
    ///
    /// - Parameter orderingKeys: The ordering keys of the events, marked before the object is written (see
    ///   `SpoolFolders+OrderingKeys`).
    /// - Returns: The key of the object that holds the records, or why they were not stored.
    func write(
        _ records: SpoolObjectFormat.Records,
        orderingKeys: Set<String>
    ) async -> Result<SpoolKey, SpoolError> {
        await withCheckedContinuation { continuation in
            let accepted = withQueue { queue in
                guard !queue.isClosed else { return false }
                queue.requests.append(
                    Request(records: records, orderingKeys: orderingKeys, continuation: continuation)
                )
                if !queue.isDraining {
                    // Submitted under the lock, so `shutdown` cannot stop the thread in between.
                    queue.isDraining = true
                    thread.submit { [self] in drain() }
                }
                condition.signal()
                return true
            }
            if !accepted {
                continuation.resume(returning: .failure(.shutDown("put", path: directory.path)))
            }
        }
    }

    /// Writes what is queued, then stops the thread.
    func shutdown() async {
        withQueue { $0.isClosed = true }
        await thread.shutdown()
    }

    /// Stops the thread once the queue is written, without waiting (for `deinit`).
    func stopSoon() {
        withQueue { $0.isClosed = true }
        thread.stopSoon()
    }

    /// How many puts wait for the writer thread to take them.
    var queuedPuts: Int { withQueue { $0.requests.count } }

    /// Whether ``shutdown()`` (or ``stopSoon()``) was called: new puts are refused.
    var isClosed: Bool { withQueue { $0.isClosed } }

    private func withQueue<Result>(_ body: (inout Queue) -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body(&queue)
    }

    /// Runs on the writer thread until the queue is empty.
    private func drain() {
        while let batch = nextBatch() {
            let start = ContinuousClock.now
            commit(batch)
            let duration = ContinuousClock.now - start
            withQueue {
                $0.lastConcurrency = batch.count + $0.requests.count
                $0.lastCommitDuration = duration
            }
        }
    }

    /// Takes the puts for the next object off the queue; `nil` (and not draining any more) when it is empty.
    private func nextBatch() -> [Request]? {
        condition.lock()
        defer { condition.unlock() }
        guard !queue.requests.isEmpty else {
            queue.isDraining = false
            return nil
        }
        gatherPuts()
        let count = SpoolObjectFormat.Records.groupCommitCount(
            of: queue.requests.lazy.map(\.records),
            maxEvents: maxEventsPerObject,
            maxBytes: Self.maxBatchBytes
        )
        let batch = Array(queue.requests.prefix(count))
        queue.requests.removeFirst(count)
        return batch
    }

    /// Waits a moment for the puts of the previous object to come back (with the lock held, released
    /// while waiting).
    ///
    /// Publishers whose put just returned usually put again at once, but they need a moment to be
    /// scheduled. Without this wait the writer starts the next object with the puts that queued during the
    /// last flush, and the publishers it just resumed wait a whole flush for the one after: 16 publishers
    /// settle into two groups of 8 that take turns, and half as many events share each flush. So the
    /// writer waits until as many puts are queued as were waiting at the end of the previous flush — every
    /// publisher, whichever object it was in — for at most a quarter of that flush (and never over 2 ms).
    /// A lone publisher never waits, and the wait ends the moment the last one is back.
    private func gatherPuts() {
        let target = min(queue.lastConcurrency, maxEventsPerObject)
        guard queue.requests.count < target, !queue.isClosed else { return }
        let wait = min(queue.lastCommitDuration / 4, .milliseconds(2))
        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: seconds)
        while queue.requests.count < target && !queue.isClosed {
            if !condition.wait(until: deadline) { return }
        }
    }

    /// Writes one object for `batch` and resumes every put in it with the outcome.
    private func commit(_ batch: [Request]) {
        var accepted: [Request] = []
        var reserved: Int64 = 0
        for request in batch {
            let bytes = Int64(request.records.bytes.count + (accepted.isEmpty ? SpoolObjectFormat.headerSize : 0))
            do {
                try usage.reserve(
                    bytes: bytes,
                    newObject: accepted.isEmpty,
                    path: directory.displayPath(SpoolState.pending.rawValue),
                    scan: countPending
                )
                accepted.append(request)
                reserved += bytes
            } catch {
                request.continuation.resume(returning: .failure(error))
            }
        }
        guard !accepted.isEmpty else { return }
        let object = SpoolObjectFormat.encodeObject(accepted.map(\.records))
        let orderingKeys = accepted.reduce(into: Set<String>()) { $0.formUnion($1.orderingKeys) }
        let result: Result<SpoolKey, SpoolError>
        do throws(SpoolError) {
            result = .success(try writeNewObject(object, orderingKeys: orderingKeys))
        } catch {
            usage.adjust(bytes: -reserved, objects: -1)
            result = .failure(error)
        }
        for request in accepted {
            request.continuation.resume(returning: result)
        }
    }

    /// Writes `object` under a new key, its ordering keys marked first; should the key exist already (which
    /// takes another process with the same process id and random number), tries a fresh key.
    private func writeNewObject(_ object: [UInt8], orderingKeys: Set<String>) throws(SpoolError) -> SpoolKey {
        // The key first, holding nothing else: a put waits for no sweeper to take it (SpoolFolders+Locks).
        var key = try directory.takeKey(from: keys, newestKey: try lockFile(SpoolFolders.newestKeyFile))
        var ordering: SpoolLockFile?
        if !orderingKeys.isEmpty {
            let file = try lockFile(SpoolFolders.orderingLockFile)
            try directory.enterOrderingLock(
                .shared,
                turnstile: try lockFile(SpoolFolders.orderingFolder),
                ordering: file
            )
            ordering = file
        }
        // Held shared from the marking until the object is in place, so a sweeper cannot release a mark in
        // between (see SpoolFolders+OrderingKeys).
        defer { ordering.map(directory.unlock) }
        // Marked first: whoever can see the events must also see that their keys are waiting.
        try directory.markOrderingKeys(orderingKeys, at: clock.now)
        var attempt = 0
        while true {
            do {
                try directory.writeObject(
                    object,
                    key: key,
                    in: .pending,
                    temporaryName: key.rawValue + SpoolFolders.temporarySuffix,
                    mode: .create
                )
                return key
            } catch let error where error.code == .alreadyExists && attempt < 2 {
                attempt += 1
                key = keys.next(after: key)
            }
        }
    }

    /// The writer's own descriptor of a spool lock file (or of the turnstile, `ordering/`), opened on first use
    /// and kept (only the writer thread uses it).
    private func lockFile(_ name: String) throws(SpoolError) -> SpoolLockFile {
        if let file = lockFiles[name] { return file }
        let file =
            name == SpoolFolders.orderingFolder ? try directory.openTurnstile() : try directory.openLockFile(name)
        lockFiles[name] = file
        return file
    }

    /// Counts `pending/` for the limits: one pass over its folders, one `lstat` per object.
    private func countPending() throws(SpoolError) -> SpoolUsage.Counts {
        let start = ContinuousClock.now
        let occupancy = try directory.occupancy(of: .pending)
        let counts = SpoolUsage.Counts(bytes: occupancy.bytes, objects: occupancy.objects)
        directory.logger.debug(
            "counted the pending objects for the spool limits",
            metadata: [
                "spool.objects": "\(counts.objects)",
                "spool.bytes": "\(counts.bytes)",
                "spool.duration": "\(ContinuousClock.now - start)",
            ]
        )
        return counts
    }
}
