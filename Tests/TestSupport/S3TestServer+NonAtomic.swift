// A store whose conditional writes are not atomic, for the tests of what EventSpool does with one: it must refuse
// it (docs/s3.md, "The race probe").
extension S3TestServer {
    /// moto started with `MOTO_S3_DEFAULT_KEY_BUFFER_SIZE=1024`: bodies over 1 KiB go to temporary files, whose
    /// I/O lets other requests run between moto's check of a condition and its write (`put_object` holds no lock),
    /// so concurrent creates of one key of 4 KiB bodies often all win. One per test process, started the first time
    /// a test asks; each test makes its own bucket, as with ``shared(_:)``.
    package static func sharedNonAtomicMoto() async throws -> S3TestServer {
        try await NonAtomicStarter.shared.server()
    }

    private actor NonAtomicStarter {
        static let shared = NonAtomicStarter()
        private var starting: Task<S3TestServer, any Error>?

        func server() async throws -> S3TestServer {
            if let starting {
                return try await starting.value
            }
            let task = Task {
                try await S3TestServer.launch(.moto, environment: ["MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": "1024"])
            }
            starting = task
            return try await task.value
        }
    }
}
