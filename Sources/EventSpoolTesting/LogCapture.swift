public import Logging
import Synchronization

/// Captures log records in memory, so tests can assert on what was logged (and on what never was).
public final class LogCapture: Sendable {
    /// One captured log record.
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        /// Metadata values, rendered as text.
        public var metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])

    public init() {}

    /// A logger that writes into this capture, at `level` and above.
    public func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// A logger at trace level that writes into this capture.
    public var logger: Logger { logger() }

    /// Everything captured so far, in order.
    public var entries: [Entry] { storage.withLock { $0 } }

    /// Every captured record as one text, message and metadata, for grepping.
    public var text: String {
        entries.map { entry in
            ([entry.message] + entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
                .joined(separator: " ")
        }.joined(separator: "\n")
    }

    fileprivate func append(_ entry: Entry) {
        storage.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { $1 } }
            capture.append(
                Entry(
                    level: event.level,
                    message: "\(event.message)",
                    metadata: merged.mapValues { "\($0)" }
                )
            )
        }
    }
}
