public import struct Foundation.Date

/// One past delivery attempt.
public struct Attempt: Sendable, Hashable {
    /// When the attempt started.
    public var time: Date
    /// Why it failed; `nil` when it succeeded.
    public var error: AttemptError?

    public init(time: Date, error: AttemptError?) {
        self.time = time
        self.error = error
    }
}
