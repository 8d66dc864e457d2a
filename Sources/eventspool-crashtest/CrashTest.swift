import ArgumentParser

/// A stand-in for a service that publishes events, for the reliability tests (`Tests/ReliabilityTests`):
/// they run it as a child process, kill it with SIGKILL at random moments, run several at once on one
/// spool, and read what it acknowledged. Not installed; not for operators.
@main
struct CrashTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventspool-crashtest",
        abstract: "Publish events the way a service would, and acknowledge each one that returned.",
        subcommands: [Publish.self, Deliver.self],
        defaultSubcommand: Publish.self
    )
}
