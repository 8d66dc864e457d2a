import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the numbers were measured on: cores, CPU, memory, kernel, and the file system of the spools.
struct Machine: Sendable {
    var cores: Int
    var cpuModel: String
    var memory: String
    var kernel: String
    var fileSystem: String
    var loadAverage: String

    init(directory: String) {
        cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        cpuModel = Self.value(of: "model name", in: cpuinfo, separator: ":") ?? "unknown CPU"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let kibibytes = Int(Self.value(of: "MemTotal", in: meminfo, separator: ":")?.split(separator: " ").first ?? "")
        memory = kibibytes.map { Format.fixed(Double($0) / 1024 / 1024, 1) + " GiB" } ?? "unknown"
        var names = utsname()
        uname(&names)
        kernel = Self.string(of: &names.sysname) + " " + Self.string(of: &names.release)
        fileSystem = Self.fileSystem(of: directory)
        loadAverage = Self.loadAverage()
    }

    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// `ext4 on /dev/vda (mounted at /, virtio, not rotational)` for the mount that holds `directory`.
    private static func fileSystem(of directory: String) -> String {
        let path = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        var best: (mountPoint: String, device: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 3 else { continue }
            let mountPoint = fields[1].replacing("\\040", with: " ")
            let contains = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
            if contains && mountPoint.count >= (best?.mountPoint.count ?? -1) {
                best = (mountPoint, fields[0], fields[2])
            }
        }
        guard let best else { return "unknown file system" }
        var details = ["mounted at \(best.mountPoint)"]
        let block = (best.device as NSString).lastPathComponent
        let sysBlock = "/sys/class/block/\(block)"
        if let driver = try? FileManager.default.destinationOfSymbolicLink(atPath: sysBlock + "/device/driver") {
            details.append((driver as NSString).lastPathComponent)
        } else if block.hasPrefix("vd") {
            details.append("virtio")
        }
        if let rotational = try? String(contentsOfFile: sysBlock + "/queue/rotational", encoding: .utf8) {
            details.append(rotational.hasPrefix("1") ? "rotational" : "not rotational")
        }
        return "\(best.type) on \(best.device) (\(details.joined(separator: ", ")))"
    }

    private static func value(of key: String, in text: String, separator: Character) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            if let index = line.firstIndex(of: separator) {
                return line[line.index(after: index)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func string<T>(of field: inout T) -> String {
        withUnsafeBytes(of: &field) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
