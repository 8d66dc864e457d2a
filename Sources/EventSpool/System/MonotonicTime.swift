#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#endif

#if canImport(SwiftOverlayShims)
// In release builds `struct timespec` may come through this module; see FileDescriptor+Syscalls.swift.
import SwiftOverlayShims
#endif

/// `CLOCK_MONOTONIC` in nanoseconds: it never steps, and every process of the host reads the same clock,
/// so log lines of several processes can be put in order.
func monotonicNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}
