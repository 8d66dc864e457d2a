import Foundation

/// Every regular file below `directory` with its contents, to prove a command changed nothing.
func snapshot(of directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    guard
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
    else { return files }
    for case let url as URL in enumerator {
        guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
        files[url.path] = try Data(contentsOf: url)
    }
    return files
}

/// The paths of the spool objects (`*.evs`) below `directory`.
func objectFiles(in directory: URL) throws -> [URL] {
    try snapshot(of: directory).keys.filter { $0.hasSuffix(".evs") }.sorted().map { URL(fileURLWithPath: $0) }
}

/// Writes `text` to `name` in `directory` and returns its path.
func write(_ text: String, to name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}
