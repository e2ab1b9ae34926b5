import Foundation
import Testing
import DatasetCore
import SchemaValidation
@testable import Dedup

/// Clusters' own writer and reader against Foundation's `Codable` path: the same bytes out (keys
/// of the similarity map in Foundation's order, absent optionals left out), the same values in.
@Suite struct DuplicateClusterJSONTests {
    static let clusters: [DuplicateCluster] = {
        // Ids whose byte order differs from Swift's string order, and doubles of every kind.
        let ids = ["ck-1", "ck-10", "ck-9", "B", "a", "_x", "ck.1", "é", "e\u{301}x", "가", "\u{FF01}", "😀", "\u{E000}", "q\"\\\n", "a/b"]
        let values: [Double] = [1, 0, 0.8, 0.123456789, 1e-7, 2.5e-300, 0.9999999999999999, 1.0 / 3]
        var random = SplitMix64(seed: 31)
        return (0..<400).map { index in
            func pick<T>(_ pool: [T]) -> T { pool[Int(random.next() % UInt64(pool.count))] }
            let members = (0..<Int(1 + random.next() % 5)).map { _ in pick(ids) }
            let similarity: [String: Double]? = random.next() % 3 == 0 ? nil
                : Dictionary((0..<Int(random.next() % 6)).map { _ in (pick(ids), pick(values)) }, uniquingKeysWith: { first, _ in first })
            return DuplicateCluster(kind: pick(["duplicate", "near_duplicate", "similar", "conflict"]), key: "common_knowledge\u{1F}\(pick(ids)) \(index)",
                                    representative: random.next() % 2 == 0 ? pick(members) : nil, members: members, similarity: similarity)
        }
    }()

    @Test func writesFoundationsBytes() throws {
        let encoder = JSONLines.makeEncoder()
        var normalized = 0
        for cluster in Self.clusters {
            var writer = JSONWriter()
            cluster.writeJSON(to: &writer)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(decoding: try encoder.encode(cluster), as: UTF8.self).nfc)
            if writer.normalizedText { normalized += 1 }
        }
        #expect(normalized > 0 && normalized < Self.clusters.count)
    }

    @Test func readsWhatFoundationReads() throws {
        let decoder = JSONDecoder()
        let encoder = JSONLines.makeEncoder()
        for cluster in Self.clusters {
            let line = try encoder.encode(cluster)
            #expect(try DuplicateCluster(json: JSONValue.parse(line)) == (try decoder.decode(DuplicateCluster.self, from: line)))
        }
        // What the fast reader refuses is Foundation's to read, or to refuse.
        for bad in [#"{"key":"k","kind":"duplicate","members":[1]}"#, #"{"key":"k","kind":"duplicate","members":[],"similarity":[1]}"#,
                    #"{"key":"k","kind":"duplicate","members":[],"similarity":{"a":"x"}}"#] {
            #expect(throws: JSONRecordMismatch.self) { try DuplicateCluster(json: JSONValue.parse(Data(bad.utf8))) }
            #expect(throws: (any Error).self) { try JSONLines.decode(DuplicateCluster.self, from: Data((bad + "\n").utf8), file: "clusters.jsonl") }
        }
    }
}
