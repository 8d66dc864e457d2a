import struct Foundation.Date

// A `ListObjectsV2` answer's XML. The servers order the elements differently (moto puts `<Name>` after the
// `<Contents>`), SeaweedFS writes the ETag's quotes as `&#34;`, and the dates in two forms: all read the same.
extension S3ListPage {
    /// The page in a `<ListBucketResult>` document.
    ///
    /// - Throws: A message saying what is missing or wrong (the caller names the request).
    init(xml bytes: [UInt8], serverDate: Date?) throws(S3XMLError) {
        let root = try S3XMLParser.parse(bytes)
        guard root.name == "ListBucketResult" else {
            throw S3XMLError(
                message: "the root element is <\(root.name.prefix(64))>, not <ListBucketResult>",
                offset: 0
            )
        }
        var objects: [S3ObjectSummary] = []
        for contents in root.children("Contents") {
            guard let key = contents.text(of: "Key"), !key.isEmpty else {
                throw S3XMLError(message: "a <Contents> without a <Key>", offset: 0)
            }
            guard let etagText = contents.text(of: "ETag"), let etag = S3ETag(etagText) else {
                throw S3XMLError(message: "<Contents> of key \(key.prefix(256)) has no valid <ETag>", offset: 0)
            }
            guard let sizeText = contents.text(of: "Size"), let size = Int(sizeText), size >= 0 else {
                throw S3XMLError(message: "<Contents> of key \(key.prefix(256)) has no valid <Size>", offset: 0)
            }
            let lastModified = contents.text(of: "LastModified").flatMap(S3Timestamp.iso8601)
            objects.append(S3ObjectSummary(key: key, etag: etag, size: size, lastModified: lastModified))
        }
        let truncated: Bool
        switch root.text(of: "IsTruncated") {
        case "true": truncated = true
        case "false", nil: truncated = false
        case let other?: throw S3XMLError(message: "<IsTruncated> is '\(other.prefix(16))'", offset: 0)
        }
        let token = root.text(of: "NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            objects: objects,
            commonPrefixes: root.children("CommonPrefixes").compactMap { $0.text(of: "Prefix") },
            isTruncated: truncated,
            nextContinuationToken: token,
            serverDate: serverDate
        )
    }
}
