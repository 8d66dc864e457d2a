#if canImport(Glibc)
import Foundation
import Glibc

/// What the machine running the tests allows, for tests that need more than a user's rights.
public enum TestEnvironment {
    /// Whether this process may mount a tmpfs (root in a container that permits it): tried once, on a
    /// temporary folder, and unmounted at once. Tests that need a real small or read-only file system are
    /// enabled by it, so that where it is `false` they show as skipped rather than pass without checking.
    public static let canMountTmpfs: Bool = {
        let point = NSTemporaryDirectory() + "/eventspool-mount-probe-\(getpid())"
        guard mkdir(point, 0o700) == 0 else { return false }
        defer { rmdir(point) }
        guard mount("tmpfs", point, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount2(point, Int32(MNT_DETACH))
        return true
    }()
}
#endif
