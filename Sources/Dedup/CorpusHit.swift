import Foundation
import DatasetCore

/// A benchmark item found in a document of a corpus. The datatrove pipeline in `contamination/`
/// writes the same records, and `contamination import` reads both.
public struct CorpusHit: Codable, Sendable, Hashable, Comparable {
    public var item: String
    /// The item's content hash in the export the scan read.
    public var contentHash: String
    public var corpus: String
    /// The shard's path inside the corpus folder.
    public var shard: String
    /// The document's id, or `<shard>/<line>` (from 0) where it has none, as datatrove names it.
    public var document: String
    /// The longest overlapping stretch, normalized as compared.
    public var span: String
    /// Its length in tokens: words, or characters for Korean, Japanese and Chinese.
    public var length: Int
    /// How many of the document's n-grams are the item's.
    public var ngrams: Int

    public init(item: String, contentHash: String, corpus: String, shard: String, document: String, span: String, length: Int, ngrams: Int) {
        self.item = item
        self.contentHash = contentHash
        self.corpus = corpus
        self.shard = shard
        self.document = document
        self.span = span
        self.length = length
        self.ngrams = ngrams
    }

    enum CodingKeys: String, CodingKey {
        case item, contentHash = "content_hash", corpus, shard, document, span, length, ngrams
    }

    public static func < (a: CorpusHit, b: CorpusHit) -> Bool {
        // Within one item version, corpus, shard and document: the longest span first.
        if (a.item, a.contentHash, a.corpus, a.shard, a.document) != (b.item, b.contentHash, b.corpus, b.shard, b.document) {
            return (a.item, a.contentHash, a.corpus, a.shard, a.document) < (b.item, b.contentHash, b.corpus, b.shard, b.document)
        }
        return (b.length, b.ngrams, a.span) < (a.length, a.ngrams, b.span)
    }

    /// One hit for each item version, corpus, shard and document (the longest), in order: the form
    /// both scans' results are compared and stored in.
    public static func canonical(_ hits: [CorpusHit]) -> [CorpusHit] {
        var result: [CorpusHit] = []
        for hit in hits.sorted() {
            if let last = result.last,
               (last.item, last.contentHash, last.corpus, last.shard, last.document) == (hit.item, hit.contentHash, hit.corpus, hit.shard, hit.document) {
                continue
            }
            result.append(hit)
        }
        return result
    }
}

/// What the dedup stage did with an item found in a corpus.
public struct CorpusContamination: Codable, Sendable, Hashable {
    public var hit: CorpusHit
    /// `dropped` or `flagged`.
    public var action: String

    public init(hit: CorpusHit, action: String) {
        self.hit = hit
        self.action = action
    }
}

extension DedupResult {
    /// Drops each item found in a corpus (naming the corpus, document and overlap), or keeps it
    /// with the flags `contaminated` and `contaminated:<corpus>`; returns what was done, hit by
    /// hit. A hit for earlier text of an item (reworded since the export) does not apply.
    public mutating func apply(corpusHits hits: [CorpusHit], drop: Bool) -> [CorpusContamination] {
        let current = Dictionary(unique.map { ($0.id, $0.contentHash) }, uniquingKeysWith: { first, _ in first })
        let byItem = Dictionary(grouping: hits.filter { current[$0.item] == $0.contentHash }, by: \.item)
        var kept: [Item] = []
        var applied: [CorpusContamination] = []
        for var item in unique {
            guard let found = byItem[item.id] else { kept.append(item); continue }
            let sorted = found.sorted { ($1.length, $0.corpus, $0.shard, $0.document) < ($0.length, $1.corpus, $1.shard, $1.document) }
            applied += found.map { CorpusContamination(hit: $0, action: drop ? "dropped" : "flagged") }
            if drop {
                let longest = sorted[0]
                let corpora = Set(found.map(\.corpus)).sorted().joined(separator: ", ")
                let detail = "found in \(corpora) (\(found.count) document\(found.count == 1 ? "" : "s")); longest: \(longest.corpus) "
                    + "\(longest.shard) \(longest.document), \(longest.length) tokens: “\(longest.span.prefix(200))”"
                dropped.append(DroppedItem(id: item.id, stage: "dedup", reason: "contaminated", detail: detail, item: item))
            } else {
                for flag in ["contaminated"] + Set(found.map { "contaminated:\($0.corpus)" }).sorted() where !item.flags.contains(flag) {
                    item.flags.append(flag)
                }
                kept.append(item)
            }
        }
        unique = kept
        return applied.sorted { $0.hit < $1.hit }
    }
}
