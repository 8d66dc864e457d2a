import Dispatch
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The two logs the reliability tests read back after killing a publisher process: which ids it started to
/// publish, and which publishes returned (the acknowledgements, flushed to disk like a service's own commit).
///
/// Writes and flushes run on a serial dispatch queue, never on Swift's cooperative pool. Lines that arrive
/// while the queue is busy are written together and share one `fdatasync` (group commit), so the journal
/// does not halve the publishing rate it measures.
final class PublishJournal: Sendable {
    private struct Line {
        var text: String
        var acknowledges: Bool
        var written: CheckedContinuation<Void, Never>
    }

    private let acknowledgements: FileDescriptor
    private let starts: FileDescriptor
    private let queue = DispatchQueue(label: "eventspool-crashtest.journal")
    private let waiting = Mutex<[Line]>([])
    /// Acknowledgements on disk so far; only the queue touches it.
    private let durable = Mutex(0)

    init(acknowledgements: String, starts: String) throws {
        self.acknowledgements = try Self.openForAppending(acknowledgements)
        self.starts = try Self.openForAppending(starts)
    }

    /// Returns once `id` is in the start log (written, not flushed: the tests kill processes, not machines).
    func started(_ id: String) async {
        await append(id, acknowledges: false)
    }

    /// Returns once `id <outcome>` is in the acknowledgement log and flushed.
    func acknowledged(_ id: String, _ outcome: String) async {
        await append("\(id) \(outcome)", acknowledges: true)
    }

    /// Writes one line of progress to standard output, for the test driving this process.
    func announce(_ line: String) {
        queue.sync { Self.writeAll(Array((line + "\n").utf8), to: .standardOutput) }
    }

    private func append(_ text: String, acknowledges: Bool) async {
        await withCheckedContinuation { continuation in
            waiting.withLock { $0.append(Line(text: text, acknowledges: acknowledges, written: continuation)) }
            queue.async { self.drain() }
        }
    }

    /// Writes every waiting line, flushes the acknowledgement log once, then resumes their publishers.
    private func drain() {
        let lines = waiting.withLock { lines in
            defer { lines.removeAll() }
            return lines
        }
        guard !lines.isEmpty else { return }
        let acknowledged = lines.filter(\.acknowledges)
        Self.writeAll(Array(lines.filter { !$0.acknowledges }.map { $0.text + "\n" }.joined().utf8), to: starts)
        if !acknowledged.isEmpty {
            Self.writeAll(Array(acknowledged.map { $0.text + "\n" }.joined().utf8), to: acknowledgements)
            // An acknowledgement must survive whatever happens next, like the state change it stands for.
            _ = fdatasync(acknowledgements.rawValue)
            let total = durable.withLock { total in
                total += acknowledged.count
                return total
            }
            Self.writeAll(Array("acked \(total)\n".utf8), to: .standardOutput)
        }
        for line in lines {
            line.written.resume()
        }
    }

    private static func openForAppending(_ path: String) throws -> FileDescriptor {
        try FileDescriptor.open(
            FilePath(path),
            .writeOnly,
            options: [.append, .create, .closeOnExec],
            permissions: [.ownerReadWrite]
        )
    }

    private static func writeAll(_ bytes: [UInt8], to file: FileDescriptor) {
        guard !bytes.isEmpty else { return }
        // A test process that stopped reading is gone; the journal keeps going for the files' sake.
        _ = try? file.writeAll(bytes)
    }
}
