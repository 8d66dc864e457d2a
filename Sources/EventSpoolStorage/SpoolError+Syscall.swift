import EventSpoolModel
import SystemPackage

extension SpoolError {
    /// A system call that failed on `path`. The code follows from the errno where one fits: `ENOENT` is
    /// `.notFound`, `EEXIST` `.alreadyExists`, `ELOOP` (a symbolic link met with `O_NOFOLLOW`) `.unsafe`;
    /// anything else, such as `EIO`, `ENOSPC` or `EDQUOT`, is `.io`.
    static func syscall(_ operation: String, path: String, _ errno: Errno, _ message: String) -> SpoolError {
        let code: Code
        switch errno {
        case .noSuchFileOrDirectory: code = .notFound
        case .fileExists: code = .alreadyExists
        case .tooManySymbolicLinkLevels: code = .unsafe
        default: code = .io
        }
        return SpoolError(code: code, operation: operation, path: path, message: message, errno: errno)
    }

    /// An object whose bytes are not a valid object.
    package static func corrupt(_ operation: String, path: String, _ reason: String) -> SpoolError {
        SpoolError(code: .corrupt, operation: operation, path: path, message: "corrupt object: \(reason)")
    }

    /// An operation on a spool that was shut down.
    package static func shutDown(_ operation: String, path: String) -> SpoolError {
        SpoolError(code: .io, operation: operation, path: path, message: "the spool is shut down")
    }
}
