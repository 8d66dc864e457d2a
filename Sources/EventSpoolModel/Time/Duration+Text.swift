import struct Foundation.TimeInterval

extension Duration {
    /// The duration in seconds, as a floating-point number.
    package var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// A compact human form: `250ms`, `5s`, `2m15s`, `3h`, `2d4h`.
    package var shortDescription: String {
        let total = seconds
        if total < 1 {
            // A negative duration (never a wait; a difference of clock readings) is shown as it is.
            return "\(Int(saturating: (total * 1000).rounded()))ms"
        }
        // At most Int64.max seconds; the double of that rounds up to 2^63, one more than an Int holds.
        var remaining = Int(saturating: total.rounded())
        let days = remaining / 86_400
        remaining %= 86_400
        let hours = remaining / 3600
        remaining %= 3600
        let minutes = remaining / 60
        let secs = remaining % 60
        var text = ""
        if days > 0 { text += "\(days)d" }
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 && days == 0 { text += "\(minutes)m" }
        if secs > 0 && days == 0 && hours == 0 { text += "\(secs)s" }
        return text.isEmpty ? "0s" : text
    }

    /// Parses a duration as people write it in configuration files and on command lines: `250ms`, `5s`,
    /// `2m`, `6h`, `3d`, combinations such as `2m15s` or `1d12h`, or a plain number of seconds (`1.5`).
    ///
    /// Returns `nil` for anything else, including negative values: no timeout, delay or age in
    /// EventSpool can be negative. ``shortDescription`` writes what this reads.
    package init?(text: String) {
        let trimmed = text.trimmedForDuration()
        guard !trimmed.isEmpty, !trimmed.hasPrefix("-") else { return nil }
        if let seconds = Double(trimmed) {
            guard seconds.isFinite, seconds >= 0, seconds < Double(Int64.max) else { return nil }
            self = .seconds(seconds)
            return
        }
        var total = Duration.zero
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86_400
            default: return nil
            }
            let seconds = value * scale
            guard seconds < Double(Int64.max) else { return nil }
            total += .seconds(seconds)
        }
        self = total
    }
}

extension String {
    fileprivate func trimmedForDuration() -> String {
        let utf8 = self.utf8
        guard let start = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let end = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(self[start...end])
    }
}
