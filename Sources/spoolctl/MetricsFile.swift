import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Prometheus text file rewritten whole or not at all, as node_exporter's textfile collector needs:
/// it reads `*.prom` files whenever it is scraped, so a file written in place could be read half-written.
///
/// The update holds an exclusive `flock` on the file's folder (so two runs cannot interleave reading the
/// old counters and writing new ones), reads the previous file, writes the new one to a hidden temporary
/// file in the same folder whose name does not end in `.prom` (the collector ignores it), flushes it
/// (`fsync`: a crash must not leave an empty file under the final name), renames it over the file, and
/// flushes the folder (so the rename itself survives a crash).
struct MetricsFile {
    /// The file, as given.
    let path: String

    /// The largest previous file read back: ours are a few KiB; a huge one is not ours to parse.
    static let maxPreviousBytes = 1 << 20

    /// Replaces the file with what `render` makes of the previous file's text (empty when there is none).
    ///
    /// - Throws: ``CommandFailure`` with status `ioError` (74), naming the path and the failed call.
    func update(_ render: (String) -> [UInt8]) throws(CommandFailure) {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let folderPath = url.deletingLastPathComponent().path
        if let problem = Self.problem(with: path) { throw CommandFailure(.usage, problem) }
        let folder = open(folderPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { throw failure("open the folder", folderPath) }
        defer { close(folder) }
        // Held until `close`: another run updating the same file waits for this one.
        guard retryingInterrupts({ flock(folder, LOCK_EX) }) == 0 else { throw failure("lock the folder", folderPath) }

        let previous = try readPrevious(name, in: folder)
        let contents = render(previous)
        let temporary = ".\(name).\(getpid()).tmp"
        try create(temporary, holding: contents, in: folder, folderPath: folderPath)
        guard renameat(folder, temporary, folder, name) == 0 else {
            let error = failure("rename \(temporary) to", path)
            unlinkat(folder, temporary, 0)
            throw error
        }
        guard fsync(folder) == 0 else { throw failure("flush the folder", folderPath) }
    }

    /// Why `path` cannot name the metrics file — it names a folder — or `nil`. Checked when the command line
    /// is read, so that a sweep does not deliver first and fail on its `--metrics-file` afterwards.
    static func problem(with path: String) -> String? {
        let name = URL(fileURLWithPath: path).lastPathComponent
        var status = stat()
        let isFolder = lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
        guard path.isEmpty || name == "." || name == ".." || path.hasSuffix("/") || isFolder else { return nil }
        return "--metrics-file \(path): give the path of a file, not of a folder"
    }

    /// The previous file's text, or "" when there is none.
    private func readPrevious(_ name: String, in folder: Int32) throws(CommandFailure) -> String {
        let file = openat(folder, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard file >= 0 else {
            if errno == ENOENT { return "" }
            throw failure("open", path)
        }
        defer { close(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count < Self.maxPreviousBytes {
            let count = retryingInterrupts { buffer.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) } }
            guard count >= 0 else { throw failure("read", path) }
            if count == 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Creates `name` in `folder` (0644: node_exporter runs as another user, and the file holds only
    /// counts), writes `contents` and flushes it; removes it again on any failure.
    private func create(
        _ name: String,
        holding contents: [UInt8],
        in folder: Int32,
        folderPath: String
    ) throws(CommandFailure) {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var file = openat(folder, name, flags, 0o644)
        if file < 0 && errno == EEXIST {
            // A leftover of a run killed with this process id: it was never the file itself.
            unlinkat(folder, name, 0)
            file = openat(folder, name, flags, 0o644)
        }
        let shownPath = folderPath + "/" + name
        guard file >= 0 else { throw failure("create", shownPath) }
        var failed: CommandFailure?
        // The mode regardless of the umask (a service's is often 0077).
        if fchmod(file, 0o644) != 0 { failed = failure("chmod", shownPath) }
        var offset = 0
        while failed == nil && offset < contents.count {
            let count = retryingInterrupts {
                contents.withUnsafeBytes { write(file, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            }
            if count < 0 { failed = failure("write", shownPath) } else { offset += count }
        }
        if failed == nil && fsync(file) != 0 { failed = failure("flush", shownPath) }
        if close(file) != 0 && failed == nil { failed = failure("close", shownPath) }
        if let failed {
            unlinkat(folder, name, 0)
            throw failed
        }
    }

    private func failure(_ action: String, _ path: String) -> CommandFailure {
        CommandFailure(.ioError, "cannot \(action) \(path) (metrics file): \(String(cString: strerror(errno)))")
    }

    private func retryingInterrupts<Result: BinaryInteger>(_ call: () -> Result) -> Result {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
