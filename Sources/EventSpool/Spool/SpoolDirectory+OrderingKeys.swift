import Crypto
import Logging
import SystemPackage

import struct Foundation.Date

#if canImport(SwiftOverlayShims)
// In release builds `struct timespec` may be imported through this module (which the Glibc overlay loads),
// and MemberImportVisibility then wants it imported to use the struct's fields.
import SwiftOverlayShims
#endif

/// Ordering-key marks: `ordering/<SHA-256 of the ordering key, hex>`, one small file per ordering key that
/// may have events waiting in `pending/` (its content is the key itself, for people). A publisher that
/// finds the mark spools an event of that key instead of sending it, so it cannot overtake spooled ones —
/// also across the processes sharing the spool.
///
/// A put marks the keys of its events before it writes them (a new mark is made durable: its folder is
/// fsynced), and sets the mark's modification time to the spool clock's time on every put. A sweeper that
/// made a complete pass releases the marks of keys it found no event for, but only marks last set before
/// its pass began, so that a put during the pass keeps its mark.
extension SpoolDirectory {
    static let orderingFolder = "ordering"

    /// The mark's file name: fixed length and safe whatever the ordering key holds.
    static func markName(_ orderingKey: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var name: [UInt8] = []
        name.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(orderingKey.utf8)) {
            name.append(digits[Int(byte >> 4)])
            name.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: name, as: UTF8.self)
    }

    /// Marks `orderingKeys` as possibly having events waiting, last set at `time`.
    ///
    /// - Important: Returns once every mark exists durably; call it before the events are written.
    func markOrderingKeys(_ orderingKeys: some Sequence<String>, at time: Date) throws(SpoolError) {
        var created = false
        for orderingKey in orderingKeys {
            let path = "\(Self.orderingFolder)/\(Self.markName(orderingKey))"
            do {
                try FileDescriptor.setTimes(in: root, FilePath(path), to: time.timeIntervalSince1970)
            } catch .noSuchFileOrDirectory {
                try createMark(orderingKey, at: path, time: time)
                created = true
            } catch {
                throw SpoolError.syscall("utimensat", path: displayPath(path), error, "could not mark the ordering key")
            }
        }
        // New names are durable only once the folder's entries are.
        if created {
            try synchronizeFolder(Self.orderingFolder)
        }
    }

    private func createMark(_ orderingKey: String, at path: String, time: Date) throws(SpoolError) {
        let file: FileDescriptor
        do {
            file = try syscalls.open(
                root,
                FilePath(path),
                .writeOnly,
                [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                Self.filePermissions
            )
        } catch .fileExists {
            // Another writer made it just now; it is as good as ours.
            return
        } catch {
            throw SpoolError.syscall("open", path: displayPath(path), error, "could not create the ordering-key mark")
        }
        // The content only tells a person which key this is: a short write costs nothing but readability.
        _ = Array(orderingKey.utf8).withUnsafeBytes { try? syscalls.write(file, $0) }
        closeQuietly(file, path)
        do {
            try FileDescriptor.setTimes(in: root, FilePath(path), to: time.timeIntervalSince1970)
        } catch {
            throw SpoolError.syscall("utimensat", path: displayPath(path), error, "could not mark the ordering key")
        }
    }

    /// Whether the ordering key is marked.
    func hasOrderingMark(_ orderingKey: String) throws(SpoolError) -> Bool {
        let path = "\(Self.orderingFolder)/\(Self.markName(orderingKey))"
        do {
            _ = try Stat(FilePath(path), relativeTo: root, flags: .symlinkNoFollow)
            return true
        } catch .noSuchFileOrDirectory {
            return false
        } catch {
            throw SpoolError.syscall("stat", path: displayPath(path), error, "could not look up the ordering-key mark")
        }
    }

    /// Removes the marks of keys not in `keeping` that were last set before `markedBefore`, and makes
    /// sure every key in `keeping` is marked (a crash may have lost a mark whose events are still waiting).
    ///
    /// A mark is first renamed aside, then its time is read again: a put that set it meanwhile is seen
    /// and the mark goes back; a put that comes later finds no mark and makes a new one. So a put during
    /// the release never loses its mark. A release lost in a crash only leaves a mark, which makes
    /// publishers spool a little longer than needed.
    ///
    /// - Parameter temporaryName: Makes a new unique name in `tmp/` for a mark set aside.
    /// - Returns: How many marks were removed.
    @discardableResult
    func releaseOrderingMarks(
        keeping: Set<String>,
        markedBefore: Date,
        now: Date,
        temporaryName: () -> String
    ) throws(SpoolError) -> Int {
        try markOrderingKeys(keeping, at: now)
        let kept = Set(keeping.map(Self.markName))
        var removed = 0
        for name in try folderNames(Self.orderingFolder) where !kept.contains(name) {
            let path = "\(Self.orderingFolder)/\(name)"
            guard name.utf8.count == 64, let time = modificationTime(path), time < markedBefore else { continue }
            let aside = "\(Self.temporaryFolder)/\(temporaryName())"
            do {
                try syscalls.rename(root, FilePath(path), FilePath(aside), false)
            } catch .noSuchFileOrDirectory {
                continue  // another sweeper released it first
            } catch {
                throw SpoolError.syscall("rename", path: displayPath(path), error, "could not release the mark")
            }
            if let time = modificationTime(aside), time >= markedBefore {
                // A put set it after we looked: it goes back, unless that put already made a new one.
                do {
                    try syscalls.rename(root, FilePath(aside), FilePath(path), true)
                    continue
                } catch .fileExists {
                    // The new mark stands; the copy set aside goes.
                } catch {
                    throw SpoolError.syscall("rename", path: displayPath(aside), error, "could not restore the mark")
                }
            }
            removeQuietly(aside, reason: "a released ordering-key mark")
            removed += 1
        }
        return removed
    }

    /// A file's modification time, `nil` when it is gone.
    private func modificationTime(_ path: String) -> Date? {
        (try? Stat(FilePath(path), relativeTo: root, flags: .symlinkNoFollow)).map(Self.modificationTime)
    }

    /// The modification time in `status`.
    static func modificationTime(_ status: Stat) -> Date {
        Date(timeIntervalSince1970: Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
    }
}
