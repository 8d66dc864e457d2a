import Testing

/// The exit statuses of the command-line contract's edges: a mistyped spool path, dry runs that only read,
/// values that cannot be right (an impossible date, `--max-time 0`, a folder as `--metrics-file`), and
/// options that would put bytes where JSON is promised.
extension ExitCodeTests {
    static let typo = ["--spool-dir", "$DIR/var/spool/typo"]
    static let typoSend = typo + ["--broker-url", "$BROKER"]

    static let contractCases: [Case] = [
        // Only publish creates a spool: every other command on a mistyped path says there is none.
        Case(description: "sweep of no spool", arguments: ["sweep"] + typoSend, status: 73, stderr: "no spool at"),
        Case(description: "sweep --json of no spool", arguments: ["sweep", "--json"] + typoSend, status: 73),
        Case(description: "replay of no spool", arguments: ["replay", "--all"] + typoSend, status: 73),
        Case(description: "purge of no spool", arguments: ["purge", "--dead", "--yes"] + typo, status: 73),
        Case(description: "requeue of no spool", arguments: ["requeue", "--all"] + typo, status: 73),
        Case(description: "hold of no spool", arguments: ["hold", "--all"] + typo, status: 73),
        Case(description: "release of no spool", arguments: ["release", "--all"] + typo, status: 73),
        Case(description: "verify --quarantine of no spool", arguments: ["verify", "--quarantine"] + typo, status: 73),
        // doctor probes a bucket; a directory spool, even a missing one, has nothing to probe and is left alone.
        Case(description: "doctor of a directory spool", arguments: ["doctor"] + typo, status: 0),
        Case(description: "doctor with one writer", arguments: ["doctor", "--writers", "1"], status: 64),
        // A dry run only reads.
        Case(
            description: "purge --dry-run while a sweeper runs",
            arguments: ["purge", "--dead", "--dry-run"] + spoolOptions,
            status: 0,
            lockHeld: true
        ),
        Case(
            description: "purge --dry-run as root in another user's spool",
            arguments: ["purge", "--pending", "--dry-run"] + spoolOptions,
            status: 0,
            ownedBy: otherUser
        ),
        // Values that cannot be right.
        Case(
            description: "sweep --max-time 0",
            arguments: ["sweep", "--max-time", "0"] + sendOptions,
            status: 64,
            stderr: "greater than 0"
        ),
        Case(
            description: "sweep --metrics-file of a folder",
            arguments: ["sweep", "--metrics-file", "$DIR"] + sendOptions,
            status: 64,
            stderr: "not of a folder"
        ),
        Case(
            description: "stats --metrics-file ending in /",
            arguments: ["stats", "--metrics-file", "$DIR/metrics/"] + spoolOptions,
            status: 64,
            stderr: "not of a folder"
        ),
        Case(
            description: "sweep --metrics-file in a missing folder",
            arguments: ["sweep", "--metrics-file", "$DIR/missing/es.prom"] + sendOptions,
            status: 74,
            stderr: "$DIR/missing"
        ),
        Case(
            description: "list --since an impossible day",
            arguments: ["list", "--since", "2026-02-30"] + spoolOptions,
            status: 64,
            stderr: "'2026-02-30' is invalid for '--since <time>'"
        ),
        Case(
            description: "list --until an impossible hour",
            arguments: ["list", "--until", "2026-02-28T25:61:00Z"] + spoolOptions,
            status: 64,
            stderr: "'2026-02-28T25:61:00Z' is invalid for '--until <time>'"
        ),
        Case(
            description: "list --since a time without a zone",
            arguments: ["list", "--since", "2026-11-30T00:00:00"] + spoolOptions,
            status: 64,
            stderr: "no time zone"
        ),
        Case(
            description: "purge --since after --until",
            arguments: ["purge", "--pending", "--since", "1h", "--until", "2h", "--dry-run"] + spoolOptions,
            status: 64,
            stderr: "is not earlier than --until"
        ),
        // Bytes are not JSON.
        Case(
            description: "show --raw --json",
            arguments: ["show", "evt-alpha-1", "--raw", "--json"] + spoolOptions,
            status: 64,
            stderr: "without --json"
        ),
        Case(
            description: "show --body --json",
            arguments: ["show", "evt-alpha-1", "--body", "--json"] + spoolOptions,
            status: 64,
            stderr: "without --json"
        ),
        Case(
            description: "show --state of no state",
            arguments: ["show", "evt-alpha-1", "--state", "lost"] + spoolOptions,
            status: 64,
            stderr: "pending, held, dead, quarantine"
        ),
        Case(
            description: "requeue of a prefix too short",
            arguments: ["requeue", "evt"] + spoolOptions,
            status: 66,
            stderr: "needs at least 4 characters"
        ),
        // A command line that names no subcommand does nothing: it must not look like success.
        Case(description: "no subcommand", arguments: [], status: 64, stderr: "give a subcommand"),
        Case(
            description: "help of no subcommand",
            arguments: ["help", "frob"],
            status: 64,
            stderr: "unknown subcommand"
        ),
        Case(description: "--json before no subcommand", arguments: ["--json", "frob"], status: 64, stderr: "'frob'"),
        Case(
            description: "publish --data-file of a folder",
            arguments: ["publish", "--type", "t", "--source", "/s", "--data-file", "$DIR"] + sendOptions,
            status: 66,
            stderr: "$DIR: it is a folder, not a file"
        ),
    ]

    @Test("each command ends with the status the README gives: the contract's edges", arguments: contractCases)
    func contractExitCode(_ testCase: Case) async throws {
        try await Self.check(testCase)
    }
}
