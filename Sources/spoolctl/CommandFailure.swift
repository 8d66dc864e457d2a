/// A failure a subcommand reports: a message for standard error and the exit status that classifies it.
///
/// ``Spoolctl/main()`` prints it — as text on standard error and, with `--json`, as a JSON error object on
/// standard output — and exits with its status.
struct CommandFailure: Error, CustomStringConvertible {
    /// The exit statuses of spoolctl (sysexits.h), listed in `spoolctl --help`, the README and docs/cli.md.
    ///
    /// Two statuses share sysexits' EX_UNAVAILABLE (69), a service spoolctl needs is not answering: the broker
    /// (``backlog``) or the object store (``unavailable``); their JSON kinds tell them apart.
    enum Status {
        /// Something could not be delivered, was given up or quarantined, or a check found a bad object.
        case attention
        /// `sweep`: the backlog is past an alert threshold (the broker is not taking events). 1 takes
        /// precedence when something was also given up or quarantined.
        case backlog
        /// The object store holding the spool cannot be reached, answers with a server error, or refuses the
        /// request (access denied): nothing is known to have changed.
        case unavailable
        /// The command line is wrong.
        case usage
        /// The input data is wrong (an invalid event).
        case dataError
        /// What the command line names does not exist: no such event or object, no `--data-file`.
        case notFound
        /// A bug in spoolctl.
        case internalError
        /// There is no spool at the path, or it cannot be created or opened.
        case cannotOpenSpool
        /// A read or write failed.
        case ioError
        /// A sweeper holds the spool's lock; the command changes objects and must not race it.
        case busy
        /// The spool belongs to another user: run the command as its owner.
        case noPermission
        /// The configuration is wrong.
        case configuration

        /// The exit status.
        var rawValue: Int32 {
            switch self {
            case .attention: 1
            case .usage: 64
            case .dataError: 65
            case .notFound: 66
            case .backlog, .unavailable: 69
            case .internalError: 70
            case .cannotOpenSpool: 73
            case .ioError: 74
            case .busy: 75
            case .noPermission: 77
            case .configuration: 78
            }
        }

        /// The status's name in a JSON error object.
        var name: String {
            switch self {
            case .attention: "attention"
            case .backlog: "backlog"
            case .unavailable: "unavailable"
            case .usage: "usage"
            case .dataError: "dataError"
            case .notFound: "notFound"
            case .internalError: "internalError"
            case .cannotOpenSpool: "cannotOpenSpool"
            case .ioError: "ioError"
            case .busy: "busy"
            case .noPermission: "noPermission"
            case .configuration: "configuration"
            }
        }
    }

    var status: Status
    /// What failed; empty when the command has printed its own report already.
    var message: String
    /// The command's own JSON output already says what failed (a report, a publish outcome): no error object.
    var isReportedInJSON = false
    /// A longer text for standard error than ``message`` (the usage of the command, after a usage error).
    var details: String?

    init(_ status: Status, _ message: String, isReportedInJSON: Bool = false, details: String? = nil) {
        self.status = status
        self.message = message
        self.isReportedInJSON = isReportedInJSON
        self.details = details
    }

    var description: String { message }
}

/// What `--json` writes on standard output when a command fails: `{"error": {"status": 73, "kind":
/// "cannotOpenSpool", "message": "no spool at /var/spool/eventspol"}}` — one line, after any records.
struct ErrorLine: Encodable {
    struct Detail: Encodable {
        var status: Int32
        var kind: String
        var message: String
    }

    var error: Detail

    init(_ failure: CommandFailure) {
        error = Detail(status: failure.status.rawValue, kind: failure.status.name, message: failure.message)
    }
}
