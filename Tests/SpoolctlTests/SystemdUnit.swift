import Foundation

/// A systemd unit file's settings, read as systemd reads them: `[Section]` headers, `Key=value` lines, `#` and
/// `;` comments, a trailing backslash continuing a line. The packaging tests check a traced run of spoolctl
/// against what the unit allows, so the allowed sets come from the unit itself, never from a copy in a test.
struct SystemdUnit {
    /// One `Key=value` line.
    struct Setting {
        var section: String
        var key: String
        var value: String
    }

    /// Every setting, in file order (a key may repeat: `SystemCallFilter=` lines add up).
    var settings: [Setting] = []

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var section = ""
        var pending = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = pending + rawLine.trimmingCharacters(in: .whitespaces)
            pending = ""
            if line.hasSuffix("\\") {
                line.removeLast()
                pending = line + " "
                continue
            }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
            } else if let equals = line.firstIndex(of: "=") {
                settings.append(
                    Setting(
                        section: section,
                        key: line[..<equals].trimmingCharacters(in: .whitespaces),
                        value: line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                    )
                )
            }
        }
    }

    /// The values of `key` in `section`, in order.
    func values(_ key: String, section: String = "Service") -> [String] {
        settings.filter { $0.section == section && $0.key == key }.map(\.value)
    }

    /// Whether the last `key` in `section` is a true boolean (`yes`, `true`, `on`, `1`).
    func isEnabled(_ key: String, section: String = "Service") -> Bool {
        ["yes", "true", "on", "1"].contains(values(key, section: section).last?.lowercased() ?? "")
    }

    /// The words of every `key` line, in order (`RestrictAddressFamilies=AF_INET AF_INET6` gives both).
    func words(_ key: String, section: String = "Service") -> [String] {
        values(key, section: section).flatMap { $0.split(separator: " ").map(String.init) }
    }

    /// The system calls `SystemCallFilter=` allows, given the members of each `@group` (as
    /// `systemd-analyze syscall-filter` lists them): the first line must be an allow list; each later line adds
    /// to it, or removes from it when it starts with `~` (systemd's rule for mixed lists).
    ///
    /// - Returns: `nil` when the unit has no allow list (nothing to check a trace against).
    func allowedSystemCalls(groups: [String: [String]]) -> Set<String>? {
        let lines = values("SystemCallFilter")
        guard let first = lines.first, !first.hasPrefix("~") else { return nil }
        func expand(_ name: String, seen: Set<String> = []) -> Set<String> {
            guard name.hasPrefix("@") else { return [name] }
            guard !seen.contains(name), let members = groups[name] else { return [] }
            return members.reduce(into: Set<String>()) { $0.formUnion(expand($1, seen: seen.union([name]))) }
        }
        var allowed = Set<String>()
        for line in lines {
            let deny = line.hasPrefix("~")
            for word in line.dropFirst(deny ? 1 : 0).split(separator: " ") {
                let calls = expand(String(word))
                if deny { allowed.subtract(calls) } else { allowed.formUnion(calls) }
            }
        }
        return allowed
    }

    /// The members of each system call group in the output of `systemd-analyze syscall-filter`: a group's name
    /// (`@system-service`) on a line of its own, then its members indented, `#` lines being comments.
    static func systemCallGroups(fromSyscallFilterOutput output: String) -> [String: [String]] {
        var groups: [String: [String]] = [:]
        var group: String?
        for line in output.split(separator: "\n") {
            if line.hasPrefix("@") {
                group = line.trimmingCharacters(in: .whitespaces)
                groups[group ?? ""] = []
            } else if line.hasPrefix(" ") || line.hasPrefix("\t"), let group {
                let member = line.trimmingCharacters(in: .whitespaces)
                if !member.isEmpty && !member.hasPrefix("#") { groups[group, default: []].append(member) }
            } else {
                group = nil
            }
        }
        return groups
    }
}
