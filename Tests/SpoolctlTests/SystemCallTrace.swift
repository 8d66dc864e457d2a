import Foundation

/// The system calls a process and its threads made, as `strace -f -y -s 4096 -o FILE` wrote them: one per line,
/// `PID name(arguments) = result`, file descriptors followed by their path (`3</var/spool/x>`), and a call that
/// another thread interrupted split into `<unfinished ...>` and `<... name resumed>` lines, joined again here.
struct SystemCallTrace {
    /// One system call: its name and the text of its arguments and result.
    struct Call: CustomStringConvertible {
        var name: String
        var text: String

        var description: String { "\(name)(\(text)" }
    }

    var calls: [Call] = []

    init(text: String) {
        var unfinished: [Substring: Call] = [:]
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let pid = line[..<space]
            let rest = line[line.index(after: space)...].drop { $0 == " " }
            if rest.hasPrefix("<... ") {
                // `<... name resumed>rest of the arguments) = result`
                guard var call = unfinished.removeValue(forKey: pid), let end = rest.range(of: " resumed>") else {
                    continue
                }
                call.text += rest[end.upperBound...]
                calls.append(call)
            } else if let parenthesis = rest.firstIndex(of: "("),
                rest[..<parenthesis].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            {
                let call = Call(
                    name: String(rest[..<parenthesis]),
                    text: String(rest[rest.index(after: parenthesis)...])
                )
                if call.text.hasSuffix("<unfinished ...>") {
                    unfinished[pid] = Call(name: call.name, text: String(call.text.dropLast("<unfinished ...>".count)))
                } else {
                    calls.append(call)
                }
            }
        }
        calls.append(contentsOf: unfinished.values)
    }

    /// The names of every call made.
    var names: Set<String> { Set(calls.map(\.name)) }

    /// The address families of every socket created (`AF_INET`, `AF_UNIX`, …).
    var socketFamilies: Set<String> {
        Set(
            calls.filter { $0.name == "socket" || $0.name == "socketpair" }
                .map { String($0.text.prefix { $0 != "," && $0 != ")" }) }
        )
    }

    /// The calls that map memory both writable and executable, or make a mapping executable afterwards: what
    /// `MemoryDenyWriteExecute=` refuses.
    var writableExecutableMappings: [Call] {
        calls.filter { call in
            switch call.name {
            case "mmap", "mmap2": call.text.contains("PROT_WRITE") && call.text.contains("PROT_EXEC")
            case "mprotect", "pkey_mprotect": call.text.contains("PROT_EXEC")
            default: false
            }
        }
    }

    /// Every absolute path a call names: quoted paths, a relative one joined to the path of the directory
    /// descriptor before it (`openat(5</spool/tmp>, "x", …)`, `AT_FDCWD</cwd>` alike), and the paths strace shows
    /// after other descriptors, arguments and results (`fchmod(6</spool/x>, …)`, `= 3</spool/x>`).
    func paths(of call: Call) -> [String] {
        var paths: [String] = []
        var text = Substring(call.text)
        var directory: String?
        while let next = text.firstIndex(where: { $0 == "\"" || $0 == "<" }) {
            let closing: Character = text[next] == "\"" ? "\"" : ">"
            let start = text.index(after: next)
            guard let end = text[start...].firstIndex(of: closing) else { break }
            let value = String(text[start..<end])
            text = text[text.index(after: end)...]
            if closing == ">" {
                guard value.hasPrefix("/") else { continue }
                if text.hasPrefix(", \"") {
                    directory = value
                } else {
                    paths.append(value)
                }
            } else {
                if value.hasPrefix("/") {
                    paths.append(value)
                } else if let directory {
                    paths.append(value.isEmpty ? directory : directory + "/" + value)
                }
                directory = nil
            }
        }
        return paths
    }

    /// The calls that create, change or remove something in the file system, each with the paths it names.
    var fileSystemChanges: [(call: Call, paths: [String])] {
        let changing: Set<String> = [
            "creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir", "link",
            "linkat", "symlink", "symlinkat", "truncate", "ftruncate", "chmod", "fchmod", "fchmodat", "chown",
            "fchown", "fchownat", "lchown", "mknod", "mknodat", "utimensat", "fallocate",
        ]
        let writeFlags = ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"]
        return calls.compactMap { call in
            let opensForWriting =
                ["open", "openat", "openat2"].contains(call.name) && writeFlags.contains { call.text.contains($0) }
            guard changing.contains(call.name) || opensForWriting else { return nil }
            return (call, paths(of: call))
        }
    }
}
