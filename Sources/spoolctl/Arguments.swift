import ArgumentParser
import EventSpool
import Foundation

/// A duration on the command line: `50s`, `2h`, `3d`, `1h30m`; never negative.
struct DurationArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        guard let duration = Duration(text: argument) else { return nil }
        self.duration = duration
    }

    var seconds: Double { duration.seconds }

    static var defaultCompletionKind: CompletionKind { .default }

    /// Parses an option's value, saying what a duration looks like when it is not one (`-5s` included: the
    /// option is parsed unconditionally, so a negative value reaches here instead of reading as a flag).
    static func parse(_ text: String) throws -> DurationArgument {
        guard let value = DurationArgument(argument: text) else {
            throw ValidationError("expected a duration such as 50s, 2h, 3d or 1h30m, not negative")
        }
        return value
    }

    /// Parses an option's value that must be more than zero (`sweep --max-time`: a pass that may start no
    /// delivery would send nothing, every time, and exit 0).
    static func parsePositive(_ text: String) throws -> DurationArgument {
        let value = try parse(text)
        guard value.duration > .zero else {
            throw ValidationError("expected a duration greater than 0, such as 50s or 2m")
        }
        return value
    }
}

/// A part of the spool on the command line (`show --state`): `pending`, `held`, `dead` or `quarantine`.
enum StateArgument {
    static func parse(_ text: String) throws -> SpoolState {
        guard let state = SpoolState(rawValue: text) else {
            throw ValidationError(
                "expected one of " + SpoolState.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        return state
    }
}

/// A count on the command line (`--limit`): a whole number of at least 1.
enum CountArgument {
    static func parse(_ text: String) throws -> Int {
        guard let count = Int(text), count >= 1 else {
            throw ValidationError("expected a whole number of at least 1")
        }
        return count
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
