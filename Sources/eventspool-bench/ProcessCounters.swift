import Foundation

/// Counters read from `/proc`: to verify that publishing makes no thread and no connection per event.
enum ProcessCounters {
    /// Threads of this process.
    static func threads() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
        return line.flatMap { Int($0.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
    }

    /// Sockets this process has open.
    static func openSockets() -> Int {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.reduce(0) { count, name in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name)) ?? ""
            return count + (target.hasPrefix("socket:") ? 1 : 0)
        }
    }

    /// TCP connections opened on this machine so far (`Tcp: ActiveOpens` in `/proc/net/snmp`).
    static func tcpActiveOpens() -> Int {
        let snmp = (try? String(contentsOfFile: "/proc/net/snmp", encoding: .utf8)) ?? ""
        let tcp = snmp.split(separator: "\n").filter { $0.hasPrefix("Tcp:") }
        guard tcp.count >= 2 else { return 0 }
        let names = tcp[0].split(separator: " ")
        let values = tcp[1].split(separator: " ")
        guard let index = names.firstIndex(of: "ActiveOpens"), index < values.count else { return 0 }
        return Int(values[index]) ?? 0
    }
}
