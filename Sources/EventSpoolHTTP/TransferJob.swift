import Synchronization

/// What a transfer came to: the server's final answer, or why there was none.
package enum TransferOutcome: Sendable, Hashable {
    /// A complete HTTP answer, or one whose body was cut at the request's cap.
    case answered(HTTPResponse)
    /// No usable answer.
    case failed(TransportFailure)
}

/// One request on its way through ``CurlTransport``: the bridge between the caller's task, waiting
/// on a continuation, and the transfer thread, which resumes it exactly once.
///
/// Cancellation can arrive at any moment — before the continuation exists, while the request sits in
/// the transport's inbox, or during the transfer — so the job keeps a small state machine.
final class TransferJob: Sendable {
    private enum State {
        /// Created; the caller has not installed its continuation yet.
        case created(cancelRequested: Bool)
        /// The caller is waiting.
        case waiting(CheckedContinuation<TransferOutcome, Never>, cancelRequested: Bool)
        /// Resumed; nothing more happens.
        case finished
    }

    let request: HTTPRequest
    private let state = Mutex(State.created(cancelRequested: false))

    init(request: HTTPRequest) {
        self.request = request
    }

    /// Stores the caller's continuation. Returns `false` when the task was cancelled before this: the
    /// caller then resumes the continuation itself and submits nothing.
    func install(_ continuation: CheckedContinuation<TransferOutcome, Never>) -> Bool {
        state.withLock { state in
            guard case .created(false) = state else { return false }
            state = .waiting(continuation, cancelRequested: false)
            return true
        }
    }

    /// Records that the caller's task was cancelled. Returns `true` when the transport must be told
    /// (the caller is already waiting on it).
    func requestCancel() -> Bool {
        state.withLock { state in
            switch state {
            case .created:
                state = .created(cancelRequested: true)
                return false
            case .waiting(let continuation, _):
                state = .waiting(continuation, cancelRequested: true)
                return true
            case .finished:
                return false
            }
        }
    }

    /// Whether the caller's task was cancelled; checked by the transfer thread before it starts the
    /// transfer, so a cancellation that overtook the submission is not lost.
    var isCancelRequested: Bool {
        state.withLock { state in
            switch state {
            case .created(let cancelRequested), .waiting(_, let cancelRequested): return cancelRequested
            case .finished: return false
            }
        }
    }

    /// Resumes the caller with `outcome`, once; later calls do nothing.
    func finish(_ outcome: TransferOutcome) {
        let continuation = state.withLock { state -> CheckedContinuation<TransferOutcome, Never>? in
            guard case .waiting(let continuation, _) = state else { return nil }
            state = .finished
            return continuation
        }
        continuation?.resume(returning: outcome)
    }
}
