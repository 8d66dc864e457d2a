/// How long to wait before the next attempt: exponential backoff with jitter.
///
/// After attempt n the nominal wait is `baseDelay × 2^(n-1)`, at most `maxDelay`; the wait is a random time
/// between half the nominal one and all of it, so clients throttled together spread out (SeaweedFS's 503 carries
/// no `Retry-After` to go by).
enum S3Backoff {
    static func delay(afterAttempt attempt: Int, retry: S3Configuration.Retry) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, retry: retry, using: &generator)
    }

    static func delay(
        afterAttempt attempt: Int,
        retry: S3Configuration.Retry,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let nominal = nominalDelay(afterAttempt: attempt, retry: retry)
        guard nominal > .zero else { return .zero }
        return nominal * Double.random(in: 0.5...1, using: &generator)
    }

    /// The wait after attempt `attempt` (1 for the first), before jitter.
    static func nominalDelay(afterAttempt attempt: Int, retry: S3Configuration.Retry) -> Duration {
        var delay = retry.baseDelay
        var doublings = max(0, attempt - 1)
        while doublings > 0 && delay < retry.maxDelay && delay > .zero {
            delay *= 2
            doublings -= 1
        }
        return min(delay, retry.maxDelay)
    }
}
