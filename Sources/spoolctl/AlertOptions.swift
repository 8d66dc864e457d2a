import ArgumentParser
import EventSpool

/// `sweep`'s alert thresholds on the command line; each one set replaces its `sweeper.alert.*` key.
struct AlertOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Alert (exit 69) when the oldest pending event is this old; 0 turns it off (sweeper.alert.oldestPending).",
            valueName: "duration"
        )
    )
    var alertOldest: DurationArgument?

    @Option(
        help: ArgumentHelp(
            "Alert when pending/ holds this fraction of spool.maxObjects; 0 is off (sweeper.alert.pendingObjects).",
            valueName: "fraction"
        )
    )
    var alertPendingObjects: FractionArgument?

    @Option(
        help: ArgumentHelp(
            "Alert when pending/ holds this fraction of spool.maxBytes; 0 is off (sweeper.alert.pendingBytes).",
            valueName: "fraction"
        )
    )
    var alertPendingBytes: FractionArgument?

    /// `thresholds` with the options given replacing their keys.
    func applied(to thresholds: SweepAlert.Thresholds) -> SweepAlert.Thresholds {
        var thresholds = thresholds
        if let alertOldest { thresholds.oldestPending = alertOldest.duration }
        if let alertPendingObjects { thresholds.pendingObjects = alertPendingObjects.value }
        if let alertPendingBytes { thresholds.pendingBytes = alertPendingBytes.value }
        return thresholds
    }
}

/// A fraction on the command line, from 0 to 1: `0.8`.
struct FractionArgument: ExpressibleByArgument {
    let value: Double

    init?(argument: String) {
        guard let value = Double(argument), value.isFinite, (0...1).contains(value) else { return nil }
        self.value = value
    }
}
