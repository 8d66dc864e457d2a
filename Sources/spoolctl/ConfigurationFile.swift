import EventSpool
import EventSpoolModel
import EventSpoolSystem

/// A `--config` JSON file, read and checked against the configuration schema before any value is used:
/// a path that is not a regular file, a file over ``maxBytes``, JSON that is malformed or not strict (a trailing
/// comma, a duplicate key), an unknown key or a value of the wrong type is an error naming the file, and the
/// line or the key.
struct ConfigurationFile {
    /// The largest configuration file read: the sample with every key is 3 KiB.
    static let maxBytes = 1 << 20

    /// The file's path as given.
    let path: String
    /// The dotted keys the file sets.
    let keys: Set<String>
    /// The secret keys the file gives a value (not empty): what makes the file a secret.
    let secretValues: Set<String>

    /// Reads and checks the file at `path`.
    ///
    /// - Throws: ``CommandFailure`` with status `configuration` (78).
    init(path: String) throws(CommandFailure) {
        self.path = path
        let file: RegularFile
        do {
            file = try RegularFile(path: path, maxBytes: Self.maxBytes)
        } catch {
            let reason =
                switch error {
                case .cannotOpen(let errno), .cannotRead(let errno):
                    "cannot read the configuration file \(path): \(errno)"
                case .notRegular(let kind): "the configuration file \(path) is \(kind), not a regular file"
                case .tooLarge:
                    "the configuration file \(path) is larger than 1 MiB; it is not an EventSpool configuration"
                }
            throw CommandFailure(.configuration, reason)
        }
        let root: JSONValue
        do throws(StrictJSONParser.Failure) {
            root = try StrictJSONParser.parse(file.bytes)
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
        var secretValues = Set<String>()
        try Self.check(members, prefix: "", path: path, keys: &keys, secretValues: &secretValues)
        self.keys = keys
        self.secretValues = secretValues
    }

    private static func check(
        _ members: [String: JSONValue],
        prefix: String,
        path: String,
        keys: inout Set<String>,
        secretValues: inout Set<String>
    ) throws(CommandFailure) {
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            let key = prefix + name
            if let schemaKey = ConfigurationSchema.key(key) {
                let kind = schemaKey.definition.value.kind
                guard value.matches(kind) else {
                    let found = schemaKey.definition.isSecret ? value.kindName : value.summary
                    throw CommandFailure(
                        .configuration,
                        "configuration key '\(key)' in \(path): expected \(kind.expected), found \(found)"
                    )
                }
                keys.insert(key)
                if schemaKey.definition.isSecret && value.holdsText {
                    secretValues.insert(key)
                }
            } else if ConfigurationSchema.scopePaths.contains(key) {
                guard case .object(let nested) = value else {
                    throw CommandFailure(
                        .configuration,
                        "configuration key '\(key)' in \(path): expected an object of \(key).* keys, "
                            + "found \(value.kindName)"
                    )
                }
                try check(nested, prefix: key + ".", path: path, keys: &keys, secretValues: &secretValues)
            } else {
                var message = "unknown configuration key '\(key)' in \(path)"
                if let suggestion = ConfigurationSchema.suggestion(forKey: key) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                throw CommandFailure(.configuration, message)
            }
        }
    }
}

extension JSONValue {
    /// Whether the value holds some text: a string that is not empty, or an array holding one.
    fileprivate var holdsText: Bool {
        switch self {
        case .string(let text): !text.isEmpty
        case .array(let values): values.contains { $0.holdsText }
        default: false
        }
    }
}
