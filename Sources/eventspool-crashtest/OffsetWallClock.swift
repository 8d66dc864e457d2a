import EventSpool

import struct Foundation.Date

/// The system's wall clock moved by a fixed offset: a host whose clock was stepped (`--clock-offset-seconds`).
struct OffsetWallClock: WallClock {
    var offset: Double

    var now: Date { Date().addingTimeInterval(offset) }
}
