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
    /// Writes one line of data to standard output.
    static func line(_ text: String) {
        print(text)
    }

    /// Writes bytes to standard output unchanged (`show --body`).
    static func raw(_ bytes: [UInt8]) {
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

    /// Whether standard output is a terminal: only then does spoolctl draw progress bars.
    static var isTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1
    }
}

extension Encodable {
    /// The value as one line of JSON, keys sorted.
    func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
