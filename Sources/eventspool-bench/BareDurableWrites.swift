import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The durable-write baseline: 1 KiB files written one after another by one thread — create in `tmp/`,
/// write, `fsync`, close, rename into `final/`, `fsync` the folder — the least any durable per-event
/// file costs on this disk.
///
/// Used from one thread at a time (each call runs on a thread of its own, never on the cooperative pool).
final class BareDurableWrites: @unchecked Sendable {
    let directory: String
    private let finalFolder: Int32
    private let payload = [UInt8](repeating: UInt8(ascii: "x"), count: BenchOptions.baselineFileBytes)
    private var written = 0

    init(directory: String) throws(BenchError) {
        self.directory = directory
        for folder in ["tmp", "final"] {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory + "/" + folder,
                    withIntermediateDirectories: true
                )
            } catch {
                throw BenchError("could not create \(directory)/\(folder): \(error)")
            }
        }
        finalFolder = open(directory + "/final", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard finalFolder >= 0 else { throw BenchError("open \(directory)/final: \(String(cString: strerror(errno)))") }
    }

    deinit {
        removeFiles()
        close(finalFolder)
    }

    /// Writes files until `duration` has passed.
    func run(for duration: Duration) async throws(BenchError) -> Sample {
        try await onDedicatedThread {
            Result { () throws(BenchError) in
                try measured(for: duration) { deadline throws(BenchError) in
                    var sample = Sample(operations: 0, elapsed: .zero)
                    sample.latencies.reserveCapacity(4096)
                    repeat {
                        sample.latencies.append(try self.writeFile())
                        sample.operations += 1
                    } while ContinuousClock.now < deadline
                    return sample
                }
            }
        }.get()
    }

    /// Writes one file and returns how long that took.
    func writeOne() async throws(BenchError) -> Duration {
        try await onDedicatedThread { Result { () throws(BenchError) in try self.writeFile() } }.get()
    }

    private func writeFile() throws(BenchError) -> Duration {
        let start = ContinuousClock.now
        let name = "\(written)"
        let temporary = directory + "/tmp/" + name + ".tmp"
        let file = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw failure("open", temporary) }
        let count = payload.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
        guard count == payload.count else {
            close(file)
            throw failure("write", temporary)
        }
        guard fsync(file) == 0 else {
            close(file)
            throw failure("fsync", temporary)
        }
        close(file)
        guard rename(temporary, directory + "/final/" + name) == 0 else { throw failure("rename", temporary) }
        guard fsync(finalFolder) == 0 else { throw failure("fsync", directory + "/final") }
        let latency = ContinuousClock.now - start
        written += 1
        if written % 10_000 == 0 { removeFiles() }
        return latency
    }

    /// Removes the files written so far (not timed: it happens between files, rarely).
    private func removeFiles() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/final")) ?? [] {
            unlink(directory + "/final/" + name)
        }
    }

    private func failure(_ operation: String, _ path: String) -> BenchError {
        BenchError("\(operation) \(path): \(String(cString: strerror(errno)))")
    }
}
