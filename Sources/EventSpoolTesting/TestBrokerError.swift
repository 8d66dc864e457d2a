/// An error from the ``TestBroker`` itself (not from the faults it scripts).
public struct TestBrokerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for matching in tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case timedOut
            case shutDown
            case alreadyListening
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// ``TestBroker/waitForRequests(count:timeout:)`` ran out of time.
        public static let timedOut = Code(.timedOut)
        /// The broker was shut down (before or while waiting).
        public static let shutDown = Code(.shutDown)
        /// ``TestBroker/startListening()`` was called while the broker was listening.
        public static let alreadyListening = Code(.alreadyListening)

        public var description: String {
            switch self.base {
            case .timedOut: "timedOut"
            case .shutDown: "shutDown"
            case .alreadyListening: "alreadyListening"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// A message that names the broker's URL and what was expected.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "TestBrokerError.\(self.code): \(self.message)"
    }
}
