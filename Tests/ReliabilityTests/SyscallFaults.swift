import Synchronization
import SystemPackage

@testable import EventSpool
@testable import EventSpoolStorage
@testable import EventSpoolSystem

/// The spool's real system calls with scripted failures — a disk that fills up or fails under the spool —
/// and a count of the flushes (`fsync`, `fdatasync`) made on every path, to prove that a failed flush is never
/// followed by another one on the same file.
final class SyscallFaults: Sendable {
    /// A system call the spool makes that a fault can target.
    enum Operation: String, Sendable, CaseIterable {
        case write, read, fdatasync, fsync, rename
    }

    private struct Fault {
        var operation: Operation
        var errno: Errno
        var pathContaining: String
        /// Matching calls to let through before failing.
        var skip: Int
        /// Matching calls still to fail.
        var remaining: Int
    }

    private struct State {
        var faults: [Fault] = []
        var openPaths: [CInt: String] = [:]
        var flushes: [String: Int] = [:]
        var injected: [String] = []
    }

    private let state = Mutex(State())

    /// The next `times` calls of `operation` on a path containing `pathContaining` (after `skip` that succeed)
    /// fail with `errno` without running.
    func inject(_ operation: Operation, _ errno: Errno, pathContaining: String = "", skip: Int = 0, times: Int = 1) {
        state.withLock {
            $0.faults.append(
                Fault(operation: operation, errno: errno, pathContaining: pathContaining, skip: skip, remaining: times)
            )
        }
    }

    /// Removes the faults not yet used up.
    func clear() {
        state.withLock { $0.faults.removeAll() }
    }

    /// How many flushes each path (relative to the spool directory) received, failed ones included.
    var flushes: [String: Int] { state.withLock { $0.flushes } }

    /// Every injected failure, as `<operation> <path>`.
    var injected: [String] { state.withLock { $0.injected } }

    /// System calls for a spool: the live ones, behind the faults.
    var syscalls: Syscalls {
        let live = Syscalls.live
        var syscalls = live
        syscalls.open = { directory, path, mode, options, permissions throws(Errno) in
            let file = try live.open(directory, path, mode, options, permissions)
            self.state.withLock { $0.openPaths[file.rawValue] = path.string }
            return file
        }
        syscalls.close = { file throws(Errno) in
            self.state.withLock { _ = $0.openPaths.removeValue(forKey: file.rawValue) }
            try live.close(file)
        }
        syscalls.write = { file, bytes throws(Errno) in
            try self.check(.write, file)
            return try live.write(file, bytes)
        }
        syscalls.read = { file, buffer, offset throws(Errno) in
            try self.check(.read, file)
            return try live.read(file, buffer, offset)
        }
        syscalls.synchronizeData = { file throws(Errno) in
            try self.check(.fdatasync, file, flush: true)
            try live.synchronizeData(file)
        }
        syscalls.synchronize = { file throws(Errno) in
            try self.check(.fsync, file, flush: true)
            try live.synchronize(file)
        }
        syscalls.rename = { directory, source, destination, noReplace throws(Errno) in
            try self.check(.rename, path: source.string + " -> " + destination.string)
            try live.rename(directory, source, destination, noReplace)
        }
        return syscalls
    }

    private func check(_ operation: Operation, _ file: FileDescriptor, flush: Bool = false) throws(Errno) {
        let path = state.withLock { $0.openPaths[file.rawValue] } ?? "fd \(file.rawValue)"
        try check(operation, path: path, flush: flush)
    }

    /// Counts a flush, then throws the fault that matches, if one does.
    private func check(_ operation: Operation, path: String, flush: Bool = false) throws(Errno) {
        let failure = state.withLock { state -> Errno? in
            if flush {
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
        if let failure { throw failure }
    }
}
