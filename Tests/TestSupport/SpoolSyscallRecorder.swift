import EventSpoolSystem
import Synchronization
import SystemPackage

/// The real system calls, each recorded as `"<operation> <path>"` (paths relative to the spool
/// directory), with faults a test injects: the next matching call fails with the given errno instead of
/// running.
package final class SpoolSyscallRecorder: Sendable {
    private struct Fault {
        var operation: String
        var pathContaining: String
        var errno: Errno
        /// Matching calls to let through before failing.
        var skip: Int
        /// Matching calls still to fail.
        var remaining: Int
    }

    private struct State {
        var calls: [String] = []
        var paths: [CInt: String] = [:]
        var faults: [Fault] = []
        var beforeRename: (@Sendable (FilePath, FilePath) -> Void)?
        var beforeEveryCall: (@Sendable (String) -> Errno?)?
        var onBlockingLock: (@Sendable (String, Bool) -> Void)?
        var flushes: [String: Int] = [:]
        var injected: [String] = []
    }

    private let state = Mutex(State())
    private let root: String

    package init(root: String) {
        self.root = root
    }

    /// Every call so far, in order.
    package var calls: [String] { state.withLock { $0.calls } }

    /// How many flushes (`fsync`, `fdatasync`) each path received, failed ones included: to prove that a
    /// failed flush is never followed by another one on the same file.
    package var flushes: [String: Int] { state.withLock { $0.flushes } }

    /// Every injected failure, as `<operation> <path>`.
    package var injected: [String] { state.withLock { $0.injected } }

    package func clearCalls() {
        state.withLock { $0.calls = [] }
    }

    /// Removes the faults not yet used up.
    package func clearFaults() {
        state.withLock { $0.faults.removeAll() }
    }

    /// The next `times` calls of `operation` on a path containing `pathContaining`, after `skip` that succeed,
    /// fail with `errno` without running.
    package func fail(
        _ operation: String,
        with errno: Errno,
        pathContaining: String = "",
        skip: Int = 0,
        times: Int = 1
    ) {
        state.withLock {
            $0.faults.append(
                Fault(operation: operation, pathContaining: pathContaining, errno: errno, skip: skip, remaining: times)
            )
        }
    }

    /// Runs `action` just before every rename (for example to remove the destination folder first).
    package func beforeRename(_ action: @escaping @Sendable (FilePath, FilePath) -> Void) {
        state.withLock { $0.beforeRename = action }
    }

    /// Runs `action` before every call with the call as it is recorded (`"<operation> <path>"`), on the thread
    /// making it; an errno it returns makes that call fail instead of running. `nil` stops it.
    package func beforeEveryCall(_ action: (@Sendable (String) -> Errno?)?) {
        state.withLock { $0.beforeEveryCall = action }
    }

    /// Runs `action` with the call and `true` when a lock call that may wait starts, and `false` when it returns.
    package func onBlockingLock(_ action: (@Sendable (String, Bool) -> Void)?) {
        state.withLock { $0.onBlockingLock = action }
    }

    package var syscalls: Syscalls {
        let live = Syscalls.live
        var syscalls = live
        syscalls.open = { directory, path, mode, options, permissions throws(Errno) in
            let name = self.relative(path.string, in: directory)
            try self.record("open", name)
            let file = try live.open(directory, path, mode, options, permissions)
            self.state.withLock { $0.paths[file.rawValue] = name }
            return file
        }
        syscalls.write = { file, bytes throws(Errno) in
            try self.record("write", self.path(of: file))
            return try live.write(file, bytes)
        }
        syscalls.read = { file, buffer, offset throws(Errno) in
            try self.record("read", self.path(of: file))
            return try live.read(file, buffer, offset)
        }
        syscalls.synchronize = { file throws(Errno) in
            try self.record("fsync", self.path(of: file))
            try live.synchronize(file)
        }
        syscalls.synchronizeData = { file throws(Errno) in
            try self.record("fdatasync", self.path(of: file))
            try live.synchronizeData(file)
        }
        syscalls.rename = { directory, source, destination, noReplace throws(Errno) in
            // A new key must never replace an object: the flag is part of what is recorded.
            try self.record("rename", "\(source.string) \(destination.string)\(noReplace ? " (no replace)" : "")")
            self.state.withLock { $0.beforeRename }?(source, destination)
            try live.rename(directory, source, destination, noReplace)
        }
        syscalls.unlink = { directory, path throws(Errno) in
            try self.record("unlink", self.relative(path.string, in: directory))
            try live.unlink(directory, path)
        }
        syscalls.makeDirectory = { directory, path, permissions throws(Errno) in
            try self.record("mkdir", self.relative(path.string, in: directory))
            try live.makeDirectory(directory, path, permissions)
        }
        syscalls.removeDirectory = { directory, path throws(Errno) in
            try self.record("rmdir", self.relative(path.string, in: directory))
            try live.removeDirectory(directory, path)
        }
        syscalls.close = { file throws(Errno) in
            let name = self.state.withLock { $0.paths.removeValue(forKey: file.rawValue) } ?? "?"
            self.state.withLock { $0.calls.append("close \(name)") }
            try live.close(file)
        }
        syscalls.writeAt = { file, bytes, offset throws(Errno) in
            try self.record("pwrite", self.path(of: file))
            return try live.writeAt(file, bytes, offset)
        }
        syscalls.lock = { file, kind, waiting throws(Errno) in
            let call = "\(self.path(of: file)) \(kind)\(waiting ? "" : " (no wait)")"
            try self.record("flock", call)
            let observer = waiting && kind != .unlock ? self.state.withLock { $0.onBlockingLock } : nil
            observer?("flock " + call, true)
            defer { observer?("flock " + call, false) }
            return try live.lock(file, kind, waiting)
        }
        syscalls.status = { file throws(Errno) in
            try self.record("fstat", self.path(of: file))
            return try live.status(file)
        }
        syscalls.setTimes = { file, seconds throws(Errno) in
            try self.record("futimens", self.path(of: file))
            try live.setTimes(file, seconds)
        }
        return syscalls
    }

    /// `path` as recorded: relative to the spool directory, also when it is relative to a folder opened
    /// below it.
    private func relative(_ path: String, in directory: FileDescriptor) -> String {
        guard !path.hasPrefix("/"), let folder = state.withLock({ $0.paths[directory.rawValue] }) else {
            return relative(path)
        }
        if folder == "." { return path }
        // A folder above the spool directory is recorded with its absolute path, the spool directory as ".".
        return relative(folder.hasSuffix("/") ? folder + path : folder + "/" + path)
    }

    private func relative(_ path: String) -> String {
        if path == root { return "." }
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    private func path(of file: FileDescriptor) -> String {
        state.withLock { $0.paths[file.rawValue] } ?? "?"
    }

    /// Records the call, then throws the injected fault if one matches.
    private func record(_ operation: String, _ path: String) throws(Errno) {
        if let action = state.withLock({ $0.beforeEveryCall }), let fault = action("\(operation) \(path)") {
            state.withLock { $0.calls.append("\(operation) \(path)") }
            throw fault
        }
        let fault: Errno? = state.withLock { state in
            state.calls.append("\(operation) \(path)")
            if operation == "fsync" || operation == "fdatasync" {
                state.flushes[path, default: 0] += 1
            }
            guard
                let index = state.faults.firstIndex(where: {
                    $0.operation == operation && $0.remaining > 0
                        && ($0.pathContaining.isEmpty || path.contains($0.pathContaining))
                })
            else { return nil }
            if state.faults[index].skip > 0 {
                state.faults[index].skip -= 1
                return nil
            }
            state.faults[index].remaining -= 1
            state.injected.append("\(operation) \(path)")
            return state.faults[index].errno
        }
        if let fault { throw fault }
    }
}
