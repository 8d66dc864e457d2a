import ArgumentParser
import Logging

/// The options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    // The completion kinds let shells offer paths for these values.
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp("A JSON configuration file.", valueName: "file"),
        completion: .file()
    )
    var configFile: String?

    @Option(help: ArgumentHelp("The spool directory (spool.directory).", valueName: "dir"), completion: .directory)
    var spoolDir: String?

    @Option(help: ArgumentHelp("The broker's URL (broker.url).", valueName: "url"))
    var brokerURL: String?

    @Flag(help: "Write only JSON on standard output, one object per line (a failure too).")
    var json = false

    @Flag(help: "Log what happens (info and debug) to standard error.")
    var verbose = false

    @Flag(help: "Log only errors to standard error (by default: warnings and errors).")
    var quiet = false

    func validate() throws {
        if verbose && quiet {
            throw ValidationError("Give at most one of --verbose and --quiet.")
        }
    }

    /// Sends logs to standard error: warnings and errors by default, so that a sweep with nothing to
    /// report writes nothing at all (cron mails any output); everything down to debug with `--verbose`;
    /// errors only with `--quiet`.
    func makeLogger() -> Logger {
        let level: Logger.Level = verbose ? .debug : quiet ? .error : .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "spoolctl")
    }
}
