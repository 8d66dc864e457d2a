import EventSpoolModel
import EventSpoolStorage
import Synchronization

import struct Foundation.Date

// Objects: every write conditional, every read remembering the version it saw.
extension S3Spool {
    public func put(_ events: [SpooledEvent]) async throws(SpoolError) -> SpoolKey {
        guard !events.isEmpty else {
            throw SpoolError(code: .invalidObject, operation: "put", path: location, message: "no events to put")
        }
        guard events.count <= max(1, configuration.maxEventsPerObject) else {
            throw SpoolError(
                code: .invalidObject,
                operation: "put",
                path: location,
                message: "\(events.count) events; an object holds at most \(configuration.maxEventsPerObject)"
            )
        }
        let records: SpoolObjectFormat.Records
        do {
            records = try SpoolObjectFormat.encodeRecords(events)
        } catch {
            throw SpoolError(code: .invalidObject, operation: "put", path: location, message: error.reason)
        }
        let result = await puts.write(
            records,
            orderingKeys: Set(events.compactMap(\.event.orderingKey)),
            refusal: .shutDown("put", path: location)
        ) { [self] batch in
            await commit(batch)
        }
        return try result.get()
    }

    /// Writes one object of the puts of `batch` (group commit): within the limits, under a new key, its
    /// ordering keys marked before and after.
    private func commit(_ batch: [S3PutQueue.Put]) async -> Result<SpoolKey, SpoolError> {
        let object = SpoolObjectFormat.encodeObject(batch.map(\.records))
        let orderingKeys = batch.reduce(into: Set<String>()) { $0.formUnion($1.orderingKeys) }
        do throws(SpoolError) {
            try await reserve(bytes: Int64(object.count))
            do throws(SpoolError) {
                return .success(try await createObject(object, orderingKeys: orderingKeys))
            } catch {
                usage.adjust(bytes: -Int64(object.count), objects: -1)
                throw error
            }
        } catch {
            return .failure(error)
        }
    }

    /// Reserves room in `pending/` for one more object of `bytes`, counting `pending/` by a listing when the
    /// estimate is stale or near a limit.
    private func reserve(bytes: Int64) async throws(SpoolError) {
        let now = ContinuousClock.now
        if usage.needsScan(bytes: bytes, newObject: true, at: now) {
            let occupancy = try await occupancy(of: .pending)
            usage.record(.init(bytes: occupancy.bytes, objects: occupancy.objects), at: now)
        }
        try usage.take(bytes: bytes, newObject: true, path: path("pending/"))
    }

    /// Creates `object` in `pending/` under a key after every key there and after the keys its ordering keys'
    /// marks record, marking them `writing` first and `written` once the object is stored.
    private func createObject(_ object: [UInt8], orderingKeys: Set<String>) async throws(SpoolError) -> SpoolKey {
        let deadline = ContinuousClock.now + putDeadline
        var attempt = 0
        while true {
            attempt += 1
            var marks = try await readMarks(orderingKeys, deadline: deadline)
            let key = keys.next(after: SpoolKey.later(try await newestPendingKey(), marks.newestObjectKey))
            guard try await writeMarks(&marks, state: .writing, objectKey: key, deadline: deadline) else {
                // Another put changed a mark between our read and write: read them again.
                guard attempt < 5 else {
                    throw SpoolError(
                        code: .conflict,
                        operation: "put",
                        path: path("ordering/"),
                        message: "the ordering-key marks kept changing under concurrent puts (5 attempts)"
                    )
                }
                continue
            }
            let name = objectName(key, in: .pending)
            switch try await call(
                "put",
                name,
                { client in
                    try await client.putIfAbsent(client.key(name), bytes: object, deadline: deadline)
                }
            ) {
            case .created:
                // Not remembered as a read version: a sweeper reads the object before it changes it.
                _ = try? await writeMarks(&marks, state: .written, objectKey: key, deadline: deadline)
                return key
            case .exists:
                // Only a process with our pid and random number could have made this key: take the next one.
                guard attempt < 5 else {
                    throw SpoolError(code: .alreadyExists, operation: "put", path: path(name), message: "exists")
                }
            }
        }
    }

    /// The newest key in `pending/` when this spool first put, found by listing only the keys after the clock's
    /// now (none, unless the clock stepped back or another host's runs ahead): new keys sort after it.
    private func newestPendingKey() async throws(SpoolError) -> SpoolKey? {
        if let floor = keyFloor.withLock({ $0 }) { return floor }
        let now = SpoolKey.make(time: clock.now, processID: 0, nonce: 0, sequence: 0)
        var newest: SpoolKey?
        try await forEachObject(in: "pending/", startAfter: objectName(now, in: .pending), "put") { summary in
            if let entry = entry(forObject: summary.key, in: .pending) { newest = SpoolKey.later(newest, entry.key) }
        }
        keyFloor.withLock { $0 = .some(newest) }
        return newest
    }

    public func get(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObject {
        let name = objectName(key, in: state)
        let stamp = versions.withLock { $0.stamp(of: name) }
        guard case .found(let object) = try await call("get", name, { try await $0.get($0.key(name)) }) else {
            throw SpoolError(code: .notFound, operation: "get", path: path(name), message: "no such object")
        }
        // Recorded unless this spool wrote the object while the read was under way (a newer version).
        versions.withLock { $0.record(object.etag, for: name, ifUnchangedSince: stamp) }
        do {
            return SpoolObject(key: key, state: state, events: try SpoolObjectFormat.decodeObject(object.bytes))
        } catch {
            throw .corrupt("get", path: path(name), error.reason)
        }
    }

    public func header(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) -> SpoolObjectHeader {
        let name = objectName(key, in: state)
        let range = 0...(SpoolObjectFormat.headerSize - 1)
        guard case .found(let object) = try await call("header", name, { try await $0.get($0.key(name), range: range) })
        else {
            throw SpoolError(code: .notFound, operation: "header", path: path(name), message: "no such object")
        }
        do {
            return try SpoolObjectHeader(
                decoding: Array(object.bytes.prefix(SpoolObjectFormat.headerSize)),
                objectSize: object.size
            )
        } catch {
            throw .corrupt("header", path: path(name), error.reason)
        }
    }

    /// Writes `object` over the version of it this spool read last (`If-Match`): a sweeper's write after a
    /// delivery names the version it read before, so a change another sweeper made since is never overwritten.
    /// An object this spool has not read is written over the version the store has now (HEAD, then `If-Match`,
    /// again if it changed in between), or created where there is none (`If-None-Match: *`).
    ///
    /// - Throws: ``SpoolError/Code/conflict`` when the object changed since this spool read it: another writer
    ///   won, nothing was written, and the version is forgotten so that the next read sees the new one.
    public func replace(_ object: SpoolObject) async throws(SpoolError) {
        let name = objectName(object.key, in: object.state)
        let bytes: [UInt8]
        do {
            bytes = SpoolObjectFormat.encodeObject([try SpoolObjectFormat.encodeRecords(object.events)])
        } catch {
            throw SpoolError(code: .invalidObject, operation: "replace", path: path(name), message: error.reason)
        }
        let etag = try await replaceVersion(of: name, with: bytes)
        versions.withLock { $0.record(etag, for: name) }
        if object.state == .pending {
            // A migrated or rewritten object's ordering keys are waiting (again). Only missing marks are written:
            // a sweeper recording an attempt finds its keys marked already, and pays one read per key, no write.
            let orderingKeys = Set(object.events.compactMap(\.event.orderingKey))
            var marks = try await readMarks(orderingKeys, deadline: ContinuousClock.now + putDeadline)
            marks.names.removeAll { marks.etags[$0] != nil }
            _ = try await writeMarks(&marks, state: .written, objectKey: object.key, deadline: nil)
        }
    }

    public func delete(_ key: SpoolKey, in state: SpoolState) async throws(SpoolError) {
        let name = objectName(key, in: state)
        try await deleteVersion(of: name, etag: try await version(of: name, "delete"), "delete")
        if state == .pending { usage.adjust(bytes: 0, objects: -1) }
    }

    /// Moves as an object store can: creates the object at the destination (`If-None-Match: *`), then deletes
    /// the version read at the source (`If-Match`). A crash in between leaves the object in both: moved again, an
    /// identical copy at the destination completes the move; any other object there is never overwritten
    /// (`.alreadyExists`), and the sweeper merges a dead-letter by event id as it always does.
    public func move(_ key: SpoolKey, from source: SpoolState, to destination: SpoolState) async throws(SpoolError) {
        guard source != destination else { return }
        if destination == .quarantine {
            _ = try await quarantine(key, from: source)
            return
        }
        let sourceName = objectName(key, in: source)
        guard case .found(let object) = try await call("move", sourceName, { try await $0.get($0.key(sourceName)) })
        else {
            throw SpoolError(code: .notFound, operation: "move", path: path(sourceName), message: "no such object")
        }
        let etag = versions.withLock { $0[sourceName] } ?? object.etag
        let name = objectName(key, in: destination)
        // A replayed object's ordering keys are waiting again: marked as a put marks them, before and after.
        var marks = MarkSet()
        if destination == .pending, let events = try? SpoolObjectFormat.decodeObject(object.bytes) {
            let orderingKeys = Set(events.compactMap(\.event.orderingKey))
            marks = try await readMarks(orderingKeys, deadline: ContinuousClock.now + putDeadline)
            guard try await writeMarks(&marks, state: .writing, objectKey: key, deadline: nil) else {
                throw conflict("move", "ordering/", "a put changed an ordering-key mark meanwhile; move again")
            }
        }
        if case .exists = try await call("move", name, { try await $0.putIfAbsent($0.key(name), bytes: object.bytes) })
        {
            let copy = try await call("move", name, { try await $0.head($0.key(name)) })
            guard case .found(let info) = copy, info.etag == object.etag else {
                throw SpoolError(
                    code: .alreadyExists,
                    operation: "move",
                    path: path(name),
                    message: "an object is there already"
                )
            }
            // An identical copy: a move that stopped after its create. Completed below.
        }
        if !marks.names.isEmpty {
            _ = try? await writeMarks(&marks, state: .written, objectKey: key, deadline: nil)
        }
        try await deleteVersion(of: sourceName, etag: etag, "move")
        if source == .pending { usage.adjust(bytes: -Int64(object.size), objects: -1) }
        if destination == .pending { usage.adjust(bytes: Int64(object.size), objects: 1) }
    }

    /// Copies the object into the flat `quarantine/` under the first free name (`<key>`, `<key>~2`, …), never over
    /// an object there, then removes it where it was; its bytes are copied as they are, damaged or not.
    public func quarantine(_ key: SpoolKey, from state: SpoolState) async throws(SpoolError) -> SpoolKey {
        let sourceName = objectName(key, in: state)
        guard
            case .found(let object) = try await call("quarantine", sourceName, { try await $0.get($0.key(sourceName)) })
        else {
            throw SpoolError(
                code: .notFound,
                operation: "quarantine",
                path: path(sourceName),
                message: "no such object"
            )
        }
        for number in 1...SpoolKey.maxQuarantineNumber {
            let quarantined = number == 1 ? key.objectKey : key.quarantineName(number)
            let name = objectName(quarantined, in: .quarantine)
            guard
                case .created = try await call(
                    "quarantine",
                    name,
                    { try await $0.putIfAbsent($0.key(name), bytes: object.bytes) }
                )
            else { continue }
            try await deleteVersion(of: sourceName, etag: object.etag, "quarantine")
            if state == .pending { usage.adjust(bytes: -Int64(object.size), objects: -1) }
            return quarantined
        }
        throw SpoolError(
            code: .alreadyExists,
            operation: "quarantine",
            path: path(objectName(key, in: .quarantine)),
            message: "\(SpoolKey.maxQuarantineNumber) objects of this key are in quarantine already"
        )
    }

    public func occupancy(of state: SpoolState) async throws(SpoolError) -> SpoolOccupancy {
        var occupancy = SpoolOccupancy(objects: 0, bytes: 0)
        try await forEachObject(in: "\(state.rawValue)/", "occupancy") { summary in
            guard spoolKey(ofObject: summary.key, in: state) != nil else { return }
            occupancy.objects += 1
            occupancy.bytes += Int64(summary.size)
        }
        return occupancy
    }

    /// Nothing is left behind in a bucket: a put's object appears whole or not at all.
    public func removeLeftovers(before cutoff: Date) async throws(SpoolError) -> Int { 0 }
}

extension SpoolKey {
    /// The later of two keys, either of which may be missing.
    static func later(_ first: SpoolKey?, _ second: SpoolKey?) -> SpoolKey? {
        guard let first, let second else { return first ?? second }
        return Swift.max(first, second)
    }
}
