import Foundation

/// A `--config` JSON file, read and checked against ``ConfigurationKeys`` before any value is used:
/// JSON that is malformed or not strict (a trailing comma, a duplicate key), an unknown key or a value of the
/// wrong type is an error naming the file, and the line or the key.
struct ConfigurationFile {
    /// The file's path as given.
    let path: String
    /// The dotted keys the file sets.
    let keys: Set<String>

    /// Reads and checks the file at `path`.
    ///
    /// - Throws: ``CommandFailure`` with status `configuration` (78).
    init(path: String) throws(CommandFailure) {
        self.path = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure(.configuration, "cannot read the configuration file \(path): \(Self.reason(error))")
        }
        let root: JSONValue
        do throws(StrictJSONParser.Failure) {
            root = try StrictJSONParser.parse(Array(data))
        } catch {
            throw CommandFailure(.configuration, "the configuration file \(path) is not valid JSON: \(error)")
        }
        guard case .object(let members) = root else {
            throw CommandFailure(
                .configuration,
                "the configuration file \(path) must hold a JSON object, found \(root.kindName)"
            )
        }
        var keys = Set<String>()
        try Self.check(members, prefix: "", path: path, keys: &keys)
        self.keys = keys
    }

    private static func check(
        _ members: [String: JSONValue],
        prefix: String,
        path: String,
        keys: inout Set<String>
    ) throws(CommandFailure) {
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            let key = prefix + name
            if let kind = ConfigurationKeys.all[key] {
                guard value.matches(kind) else {
                    let found = ConfigurationKeys.secret.contains(key) ? value.kindName : value.summary
                    throw CommandFailure(
                        .configuration,
                        "configuration key '\(key)' in \(path): expected \(kind.expected), found \(found)"
                    )
                }
                keys.insert(key)
            } else if ConfigurationKeys.scopes.contains(key) {
                guard case .object(let nested) = value else {
                    throw CommandFailure(
                        .configuration,
                        "configuration key '\(key)' in \(path): expected an object of \(key).* keys, "
                            + "found \(value.kindName)"
                    )
                }
                try check(nested, prefix: key + ".", path: path, keys: &keys)
            } else {
                var message = "unknown configuration key '\(key)' in \(path)"
                if let suggestion = ConfigurationKeys.suggestion(for: key) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                throw CommandFailure(.configuration, message)
            }
        }
    }

    /// Why reading the file failed, in words.
    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}
