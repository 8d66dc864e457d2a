import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where spoolctl writes: data to standard output, messages and progress to standard error.
enum Output {
    /// Writes one line of data to standard output (buffered: `print`).
    static func line(_ text: String) {
        print(text)
    }

    /// Writes bytes to standard output unchanged (`show --body`, `show --raw`).
    static func raw(_ bytes: [UInt8]) {
        flush()
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// Writes one line to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Writes to standard error without a line end (a progress bar redrawn with `\r`).
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes out what `line` buffered (every C stream: `stdout` itself is not concurrency-safe to name).
    static func flush() {
        fflush(nil)
    }

    /// Ends the process with `status`, after writing out what is buffered.
    static func terminate(_ status: Int32) -> Never {
        flush()
        exit(status)
    }

    /// Whether standard output is a terminal: only then does spoolctl draw progress bars.
    static var isTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1
    }
}

extension Encodable {
    /// The value as one line of JSON, keys sorted, times as ISO 8601 with milliseconds (``TimeText/iso8601(_:)``).
    func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(TimeText.iso8601(date))
        }
        guard let data = try? encoder.encode(self) else { return #"{"error":{"message":"cannot encode"}}"# }
        return String(decoding: data, as: UTF8.self)
    }
}
