import Foundation
import Testing

/// Every line of `text` parsed as a JSON object (JSON Lines): a line that is not one fails the test.
package func jsonObjects(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        let value = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(value as? [String: Any], "not a JSON object: \(line)", sourceLocation: sourceLocation)
    }
}

/// The one JSON object `text` holds (one line).
package func jsonObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let objects = try jsonObjects(text, sourceLocation: sourceLocation)
    try #require(
        objects.count == 1,
        "expected one JSON object, got \(objects.count): \(text)",
        sourceLocation: sourceLocation
    )
    return objects[0]
}
