import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The durable-write baseline: one thread creating 1 KiB files one after another — create in `tmp/`,
/// write, `fsync`, close, rename into `final/`, `fsync` the folder — the least any durable per-event
/// file costs on this disk. Records each file's latency too (the circuit-open row compares with it).
struct BareDurableWrites: Sendable {
    let directory: String

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
    }

    /// Writes files until `duration` has passed, then removes them.
    func run(for duration: Duration) async throws(BenchError) -> Sample {
        try await onDedicatedThread { Result { () throws(BenchError) in try runBlocking(for: duration) } }.get()
    }

    private func runBlocking(for duration: Duration) throws(BenchError) -> Sample {
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: BenchOptions.baselineFileBytes)
        let finalFolder = open(directory + "/final", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard finalFolder >= 0 else { throw failure("open", directory + "/final") }
        defer { close(finalFolder) }

        var sample = Sample(operations: 0, elapsed: .zero)
        sample.latencies.reserveCapacity(4096)
        let start = ContinuousClock.now
        let deadline = start + duration
        let cpuAtStart = ownCPUTime()
        var now = start
        repeat {
            let name = "\(sample.operations)"
            let temporary = directory + "/tmp/" + name + ".tmp"
            let file = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard file >= 0 else { throw failure("open", temporary) }
            let written = payload.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            guard written == payload.count else { throw failure("write", temporary) }
            guard fsync(file) == 0 else { throw failure("fsync", temporary) }
            close(file)
            guard rename(temporary, directory + "/final/" + name) == 0 else { throw failure("rename", temporary) }
            guard fsync(finalFolder) == 0 else { throw failure("fsync", directory + "/final") }
            let finished = ContinuousClock.now
            sample.latencies.append(finished - now)
            now = finished
            sample.operations += 1
        } while now < deadline
        sample.elapsed = now - start
        sample.cpu = ownCPUTime() - cpuAtStart

        for index in 0..<sample.operations {
            unlink(directory + "/final/\(index)")
        }
        return sample
    }

    private func failure(_ operation: String, _ path: String) -> BenchError {
        BenchError("\(operation) \(path): \(String(cString: strerror(errno)))")
    }
}
