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
            with --config, and the defaults. Data goes to standard output, logs to standard error.

            EXIT CODES
              0   success (also: sweep found another sweeper holding the lock)
              1   something could not be delivered, was given up or quarantined
              64  usage error
              65  bad input data (an invalid event)
              69  sweep: the backlog is past an alert threshold (sweeper.alert.*); the report says why
              73  the spool directory cannot be created or opened
              74  I/O error
              75  a sweeper is running: purge and verify --quarantine do not race it; try again
              78  configuration error (the message names the file or variable, and the key)
            """,
        version: "1.0.0",
        subcommands: [
            Publish.self, List.self, Show.self, Replay.self, Sweep.self, Stats.self, Purge.self, Verify.self,
        ]
    )
}
