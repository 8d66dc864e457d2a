import Testing

/// The exit statuses of `migrate`, and of the commands on a bucket that does not answer, as the README gives
/// them. The bucket is named by the environment (`EVENTSPOOL_SPOOL_BACKEND=s3`, …) at the loopback's port 9,
/// where nothing listens: a status that needs the bucket to answer is not here (see `BucketCommandTests`).
extension ExitCodeTests {
    static let unreachableBucket = [
        "EVENTSPOOL_SPOOL_BACKEND": "s3", "EVENTSPOOL_SPOOL_S3_ENDPOINT": "http://127.0.0.1:9",
        "EVENTSPOOL_SPOOL_S3_BUCKET": "spool",
    ]
    static let migrate = ["migrate", "--to", "s3"]

    static let bucketCases: [Case] = [
        Case(
            description: "migrate without a bucket",
            arguments: migrate + spoolOptions,
            status: 78,
            stderr: "spool.backend"
        ),
        Case(description: "migrate without --to", arguments: ["migrate"] + spoolOptions, status: 64),
        Case(
            description: "migrate --to a backend that does not exist",
            arguments: ["migrate", "--to", "nfs"] + spoolOptions,
            status: 64,
            environment: unreachableBucket
        ),
        Case(
            description: "migrate of no spool",
            arguments: migrate + typo,
            status: 73,
            stderr: "no spool at $DIR/var/spool/typo",
            environment: unreachableBucket
        ),
        Case(
            description: "migrate while a sweeper runs",
            arguments: migrate + spoolOptions,
            status: 75,
            lockHeld: true,
            environment: unreachableBucket
        ),
        Case(
            description: "migrate as root of another user's spool",
            arguments: migrate + spoolOptions,
            status: 77,
            ownedBy: otherUser,
            environment: unreachableBucket
        ),
        Case(
            description: "migrate to a bucket that does not answer",
            arguments: migrate + spoolOptions,
            status: 69,
            stderr: "s3://spool/",
            environment: unreachableBucket
        ),
        Case(
            description: "migrate --dry-run to a bucket that does not answer",
            arguments: migrate + ["--dry-run"] + spoolOptions,
            status: 69,
            environment: unreachableBucket
        ),
        Case(
            description: "list of a bucket that does not answer",
            arguments: ["list"] + spoolOptions,
            status: 69,
            stderr: "s3://spool/",
            environment: unreachableBucket
        ),
        Case(
            description: "stats of a bucket that does not answer",
            arguments: ["stats"] + spoolOptions,
            status: 69,
            environment: unreachableBucket
        ),
        Case(
            description: "purge of a bucket that does not answer",
            arguments: ["purge", "--dead", "--yes"] + spoolOptions,
            status: 69,
            environment: unreachableBucket
        ),
        Case(
            description: "sweep of a bucket that does not answer",
            arguments: ["sweep"] + sendOptions,
            status: 1,
            environment: unreachableBucket
        ),
    ]

    @Test(
        "migrate, and commands on a bucket that does not answer, end with the README's status",
        arguments: bucketCases
    )
    func bucketExitCode(_ testCase: Case) async throws {
        try await Self.check(testCase)
    }
}
