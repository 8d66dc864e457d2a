import InMemoryLogging
import Logging

/// A logger that drops everything: for tests that read results, reports and files, not logs.
package let quietLogger = Logger(label: "eventspool-tests") { _ in SwiftLogNoOpLogHandler() }

extension Logger {
    /// A logger that keeps every entry at `level` or above in `handler`, for tests that read what was logged.
    package static func recording(
        into handler: InMemoryLogHandler,
        label: String = "eventspool-tests",
        level: Logger.Level = .debug
    ) -> Logger {
        var logger = Logger(label: label) { _ in handler }
        logger.logLevel = level
        return logger
    }
}
