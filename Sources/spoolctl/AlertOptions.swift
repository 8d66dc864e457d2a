import ArgumentParser
import EventSpool

/// `sweep`'s alert thresholds on the command line; each one set replaces its `sweeper.alert.*` key and takes the
/// values that key takes. Parsed unconditionally, so that a negative value (`-1m`) reaches the transform and is
/// refused with the range rather than read as a flag ("Missing value").
struct AlertOptions: ParsableArguments {
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Alert (exit 69) when the oldest pending event is this old; 0 turns it off (sweeper.alert.oldestPending).",
            valueName: "duration"
        ),
        transform: { try AlertOptions.duration($0, SweepAlert.Thresholds.Key.oldestPending) }
    )
    var alertOldest: Duration?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Alert when pending/ holds this fraction of spool.maxObjects; 0 is off (sweeper.alert.pendingObjects).",
            valueName: "fraction"
        ),
        transform: { try AlertOptions.fraction($0, SweepAlert.Thresholds.Key.pendingObjects) }
    )
    var alertPendingObjects: Double?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Alert when pending/ holds this fraction of spool.maxBytes; 0 is off (sweeper.alert.pendingBytes).",
            valueName: "fraction"
        ),
        transform: { try AlertOptions.fraction($0, SweepAlert.Thresholds.Key.pendingBytes) }
    )
    var alertPendingBytes: Double?

    /// `thresholds` with the options given replacing their keys.
    func applied(to thresholds: SweepAlert.Thresholds) -> SweepAlert.Thresholds {
        var thresholds = thresholds
        if let alertOldest { thresholds.oldestPending = alertOldest }
        if let alertPendingObjects { thresholds.pendingObjects = alertPendingObjects }
        if let alertPendingBytes { thresholds.pendingBytes = alertPendingBytes }
        return thresholds
    }

    /// A duration in the range of `key`.
    private static func duration(_ text: String, _ key: SweepAlert.Thresholds.Key) throws -> Duration {
        guard case .duration(_, let range) = key.definition.value else { return .zero }
        guard let value = Duration(text: text), range.contains(value) else {
            let negative = text.trimmingPrefix(while: \.isWhitespace).hasPrefix("-")
            throw ValidationError(
                "expected \(ConfigurationSchema.Value.durationExpectation(range))" + (negative ? ", not negative" : "")
            )
        }
        return value
    }

    /// A fraction in the range of `key`.
    private static func fraction(_ text: String, _ key: SweepAlert.Thresholds.Key) throws -> Double {
        guard case .number(_, let range) = key.definition.value else { return 0 }
        guard let value = Double(text), range.contains(value) else {
            throw ValidationError(
                "expected a fraction from \(ConfigurationSchema.text(range.lowerBound)) to \(ConfigurationSchema.text(range.upperBound))"
            )
        }
        return value
    }
}
