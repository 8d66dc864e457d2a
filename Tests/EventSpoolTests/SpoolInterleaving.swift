import Foundation
import Synchronization
import SystemPackage

@testable import EventSpool

/// Runs an action at one chosen system call of another operation (the subject), the way a second process
/// could interleave with it: the subject's thread stops before that call until the action has finished or
/// waits for a lock (which the subject may hold), and then goes on. Run once per call of the subject, it
/// tries every interleaving point.
///
/// Install ``observe(_:)`` as the recorder's `beforeEveryCall`, and have the recorder call
/// ``lockBlocked()`` when a blocking lock call starts.
final class SpoolInterleaving: @unchecked Sendable {
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var calls = 0
    private var injected = false
    private var finished = false
    private var blockedLocks = 0
    private var subjectThread: pthread_t?
    private var task: Task<Void, Never>?
    private var stopSubject: Errno?

    /// The index of the subject's call before which the action runs; `nil` only counts calls.
    let point: Int?
    /// Instead of an index: the action runs before the first call recorded as this.
    let call: String?
    private let action: @Sendable () async -> Void
    /// Run before every call once the action has finished, from whichever thread makes the call.
    private let afterAction: @Sendable () -> Void

    /// - Parameters:
    ///   - point: The index of the subject's call before which `action` runs.
    ///   - call: Or the first call recorded as this (`"pwrite newest-key"`).
    ///   - stopSubjectWith: After the action, the subject's next call fails with this errno, as if the
    ///     subject had died there (its later calls run: a crashed process makes none, a failed call may).
    ///   - action: What the other party does.
    ///   - afterAction: A check made before every later call, once the action has finished.
    init(
        at point: Int?,
        orBefore call: String? = nil,
        stopSubjectWith: Errno? = nil,
        action: @escaping @Sendable () async -> Void = {},
        afterAction: @escaping @Sendable () -> Void = {}
    ) {
        self.point = point
        self.call = call
        self.stopSubject = stopSubjectWith
        self.action = action
        self.afterAction = afterAction
    }

    /// For the recorder's `beforeEveryCall`: counts the call, runs the action at ``point``.
    func observe(_ call: String) -> Errno? {
        condition.lock()
        let index = calls
        calls += 1
        if injected {
            let stop = pthread_equal(pthread_self(), subjectThread ?? pthread_self()) != 0 ? stopSubject : nil
            if stop != nil { stopSubject = nil }
            let check = finished
            condition.unlock()
            if check { afterAction() }
            return stop
        }
        guard index == point || call == self.call else {
            condition.unlock()
            return nil
        }
        injected = true
        subjectThread = pthread_self()
        let action = action
        task = Task {
            await action()
            self.finish()
        }
        while !finished && blockedLocks == 0 {
            condition.wait()
        }
        condition.unlock()
        return nil
    }

    /// A blocking lock call started (`true`) or returned (`false`) on some thread.
    func lockBlocked(_ started: Bool) {
        condition.lock()
        blockedLocks += started ? 1 : -1
        condition.broadcast()
        condition.unlock()
    }

    private func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// How many calls were observed.
    var callCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return calls
    }

    /// Whether the action ran (the subject reached ``point``).
    var didInject: Bool {
        condition.lock()
        defer { condition.unlock() }
        return injected
    }

    /// Waits until the action has finished (at once when it never ran).
    func waitForAction() async {
        await currentTask()?.value
    }

    private func currentTask() -> Task<Void, Never>? {
        condition.lock()
        defer { condition.unlock() }
        return task
    }
}
