import ArgumentParser

/// The operator's command-line tool for an EventSpool spool: see, deliver, replay and clean it.
@main
struct Spoolctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spoolctl",
        abstract: "See, deliver, replay and clean an EventSpool spool.",
        discussion: """
            Configuration comes from, in this order: command-line options, environment variables \
            (EVENTSPOOL_ + the key in upper snake case, e.g. EVENTSPOOL_BROKER_URL), the JSON file given \
            with --config, and the defaults. Data goes to standard output, logs to standard error. With \
            --json, standard output holds only JSON, one object per line; a failure adds an object \
            {"error": {"status", "kind", "message"}}.

            EXIT CODES
              0   success (also: sweep found another sweeper holding the lock)
              1   not delivered, given up or quarantined; verify found a bad object;
                  migrate left an object in the directory
              64  usage error: unknown subcommand or flag, bad value, ambiguous prefix
              65  bad input data (an invalid event)
              66  not found: no such event or object; the --data-file cannot be read
              69  sweep: the backlog is past an alert threshold (sweeper.alert.*);
                  any command: the object store does not answer or refuses (kind
                  "unavailable")
              70  internal error (a bug in spoolctl)
              73  no spool at the path (only publish creates one) or no such bucket, or it
                  cannot be opened
              74  I/O error
              75  a sweeper holds the lock (or the bucket's lease): commands that change
                  the spool do not race it
              77  another user's spool: run it as its owner (sudo -u OWNER spoolctl ...)
              78  configuration error (the message names the file or variable, and the key)
            """,
        version: "1.0.0",
        subcommands: [
            Publish.self, List.self, Show.self, Replay.self, Sweep.self, Stats.self, Purge.self, Requeue.self,
            Hold.self, Release.self, Verify.self, Migrate.self, Doctor.self,
        ]
    )

    /// Parses the command line and runs the subcommand; every failure ends here, printed by one rule.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            try checkSubcommand(arguments)
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            finish(failure, json: arguments.contains("--json"))
        } catch {
            guard exitCode(for: error) != .success else {
                // --help and --version.
                exit(withError: error)
            }
            finish(usageFailure(error, arguments: arguments), json: arguments.contains("--json"))
        }
    }

    /// Prints `failure` (text on standard error; with `--json` also a JSON error object on standard output,
    /// unless the command's own output says it already) and exits with its status.
    private static func finish(_ failure: CommandFailure, json: Bool) -> Never {
        if !failure.message.isEmpty {
            Output.error(failure.details ?? "spoolctl: \(failure.message)")
            if json && !failure.isReportedInJSON {
                Output.line(ErrorLine(failure).jsonLine())
            }
        }
        Output.terminate(failure.status.rawValue)
    }

    /// The names of the subcommands, and `help`.
    private static var subcommandNames: [String] { configuration.subcommands.map { $0._commandName } + ["help"] }

    /// Refuses a command line without a subcommand, and `help` of one that does not exist: the argument parser
    /// would print the help and exit 0, and a script or cron line with a typo would look as if it worked.
    private static func checkSubcommand(_ arguments: [String]) throws(CommandFailure) {
        if arguments.isEmpty {
            Output.error(helpMessage())
            throw CommandFailure(
                .usage,
                "give a subcommand: " + subcommandNames.dropLast().joined(separator: ", ") + ". See 'spoolctl --help'."
            )
        }
        if arguments.first == "help", arguments.count > 1, !subcommandNames.contains(arguments[1]) {
            throw unknownSubcommand(arguments[1])
        }
    }

    /// "unknown subcommand 'frob' (did you mean …?); the subcommands are …".
    private static func unknownSubcommand(_ name: String) -> CommandFailure {
        let names = subcommandNames
        var message = "unknown subcommand '\(name)'"
        if let suggestion = Spelling.closest(to: name, among: names) {
            message += " (did you mean '\(suggestion)'?)"
        }
        message += "; the subcommands are " + names.dropLast().joined(separator: ", ")
        return CommandFailure(.usage, message + ". See 'spoolctl --help'.")
    }

    /// An error of the argument parser as a usage failure, saying so plainly for an unknown subcommand (also
    /// after a flag such as `--json`, which belongs after the subcommand).
    private static func usageFailure(_ error: any Error, arguments: [String]) -> CommandFailure {
        let flags: Set = ["--json", "--verbose", "--quiet"]
        if let first = arguments.first(where: { !flags.contains($0) }), !first.hasPrefix("-"),
            !subcommandNames.contains(first)
        {
            return unknownSubcommand(first)
        }
        let status = exitCode(for: error).rawValue
        guard status == CommandFailure.Status.usage.rawValue else {
            return CommandFailure(.internalError, "\(error)")
        }
        return CommandFailure(.usage, message(for: error), details: fullMessage(for: error))
    }
}
