import ArgumentParser

/// A failure a subcommand reports: a message for standard error and the exit status that classifies it.
struct CommandFailure: Error, CustomStringConvertible {
    /// The exit statuses of spoolctl (sysexits.h), listed in `spoolctl --help` and the README.
    enum Status: Int32 {
        /// Something could not be delivered, was given up or quarantined.
        case attention = 1
        /// `sweep`: the backlog is past an alert threshold (sysexits' EX_UNAVAILABLE: the broker is not
        /// taking events). 1 takes precedence when something was also given up or quarantined.
        case backlog = 69
        /// The command line is wrong.
        case usage = 64
        /// The input data is wrong (an invalid event).
        case dataError = 65
        /// The spool directory cannot be created or opened.
        case cannotCreate = 73
        /// A read or write failed.
        case ioError = 74
        /// A sweeper holds the spool's lock; the command changes objects and must not race it.
        case busy = 75
        /// The configuration is wrong.
        case configuration = 78
    }

    var status: Status
    /// What failed; empty when the command has printed its own report already.
    var message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a ``CommandFailure`` into its message on standard error and its exit status.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            if !failure.message.isEmpty {
                Output.error("spoolctl: \(failure.message)")
            }
            throw ExitCode(failure.status.rawValue)
        }
    }
}
