// Near-duplicate detection at scale: throughput, peak memory, recall and precision against the
// exact all-pairs answer, and datasketch (PyPI) on the same shingles side by side; see README
// "Benchmarks".
//
//   swift run -c release dedup-benchmark [--items 1000000] [...]   (`--help` lists the options)
import ArgumentParser
import BenchmarkSupport
import DatasetCore
import Dedup
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// A command for its usage and checks only: the script below runs once the options are read.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup-benchmark",
        abstract: "Near-duplicate detection on N generated items: throughput and peak memory, recall and precision against every pair compared, and datasketch on the same shingles.")

    @Option(help: "How many items to generate.")
    var items = 1_000_000
    @Option(help: "The Jaccard similarity from which two items are near-duplicates.")
    var threshold = 0.8
    @Option(help: "MinHash permutations.")
    var permutations = 128
    @Option(help: "Shingle length in characters.")
    var ngram = 5
    @Option(help: "The Python interpreter with datasketch.")
    var python = "python3"
    @Option(help: "Give datasketch only the first N items (default: all).")
    var datasketchItems: Int?
    @Flag(help: "Do not run datasketch.")
    var noDatasketch = false
    @Flag(help: "Compare every pair exactly and report recall and precision.")
    var allPairsCheck = false
    @Option(help: "With --all-pairs-check: exit 1 when recall is below this.")
    var minRecall = 0.0

    func validate() throws {
        guard items >= 2 else { throw ValidationError("--items must be at least 2") }
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be above 0 and at most 1") }
        guard permutations >= 1, ngram >= 1 else { throw ValidationError("--permutations and --ngram must be at least 1") }
        guard (datasketchItems ?? 1) >= 1 else { throw ValidationError("--datasketch-items must be at least 1") }
    }
}

let options = Options.parseOrExit()

func mebibytes(_ kilobytes: Int) -> String { String(format: "%.0f MiB", Double(kilobytes) / 1024) }

let count = options.items
let threshold = options.threshold
let permutations = options.permutations
let ngram = options.ngram
let python = options.python
let datasketchItems = min(count, options.datasketchItems ?? count)
let settings = NearDuplicateSettings(ngram: ngram, permutations: permutations, threshold: threshold, seed: 20_261_123)

/// The compared text of an item: the question and its choices in sorted order (as the dedup stage does).
func comparedText(_ question: String, _ choices: [String]) -> String {
    ([question] + choices.sorted()).joined(separator: "\n")
}

var generator = ItemGenerator()
var texts: [String] = []
var originals: [Int] = []
var planted: [(source: Int, copy: Int)] = []
texts.reserveCapacity(count)
let generationStart = DispatchTime.now()
for index in 0..<count {
    if index >= 1000, generator.int(5) == 0 {
        let source = originals[generator.int(originals.count)]
        let copy: String
        if generator.int(20) < 3 {
            let lines = texts[source].split(separator: "\n").map(String.init)
            copy = comparedText(generator.reformatted(lines[0]), lines.dropFirst().map { generator.reformatted($0) }.reversed())
        } else {
            copy = generator.edited(texts[source], edits: 1 + generator.int(max(2, texts[source].count / 6)))
        }
        planted.append((source, texts.count))
        texts.append(copy)
    } else {
        let item = generator.original()
        originals.append(texts.count)
        texts.append(comparedText(item.question, item.choices))
    }
}
let characters = texts.reduce(0) { $0 + $1.count }
print("items: \(count) (\(planted.count) planted copies), \(characters / count) characters on average; generated in \(String(format: "%.1f", seconds(since: generationStart))) s")
print("settings: \(ngram)-character shingles, \(permutations) permutations, Jaccard ≥ \(threshold), \(settings.banding) (false-negative weight \(settings.falseNegativeWeight))")

// MARK: - Ours: shingles of normalized text, then signatures, bands, exact re-check, clusters.

let residentBefore = residentKilobytes()
let shingleStart = DispatchTime.now()
let shingles = texts.map { Shingles.hashes(of: $0, n: ngram) }
let shingleSeconds = seconds(since: shingleStart)
let findStart = DispatchTime.now()
let found = NearDuplicateFinder(settings: settings).clusters(shingles: shingles)
let findSeconds = seconds(since: findStart)
let peakAfterDedup = peakResidentKilobytes()
let total = shingleSeconds + findSeconds
print(String(format: "normalize + shingle: %.2f s (%.0f items/s)", shingleSeconds, Double(count) / shingleSeconds))
print(String(format: "signatures + LSH + exact re-check + clusters: %.2f s (%.0f items/s); %d candidates, %d verified pairs, %d clusters",
             findSeconds, Double(count) / findSeconds, found.candidates, found.pairs.count, found.clusters.count))
print(String(format: "end to end: %.2f s, %.0f items/s on one core; peak memory %@ (%@ above the generated texts)",
             total, Double(count) / total, mebibytes(peakAfterDedup), mebibytes(peakAfterDedup - residentBefore)))

// MARK: - The exact answer: every pair at or above the threshold (prefix-filtered join, exact).

let truthStart = DispatchTime.now()
let truth = ExactSimilarityJoin.pairs(shingles, threshold: threshold)
print(String(format: "exact all-pairs answer: %d pairs in %.1f s", truth.count, seconds(since: truthStart)))
if options.allPairsCheck {
    let allPairs = ExactSimilarityJoin.allPairs(shingles, threshold: threshold)
    print("checked against comparing all \(count * (count - 1) / 2) pairs: \(allPairs == truth ? "identical" : "DIFFERENT")")
    if allPairs != truth { exit(1) }
}
let key = { (first: Int, second: Int) in UInt64(min(first, second)) << 32 | UInt64(max(first, second)) }
let truthKeys = Set(truth.map { key($0.first, $0.second) })
let foundKeys = Set(found.pairs.map { key($0.first, $0.second) })
let truePositives = foundKeys.intersection(truthKeys).count
// A false merge: a cluster that joins items the exact answer does not connect.
var truthComponents = UnionFind(count: count)
for pair in truth { truthComponents.union(pair.first, pair.second) }
let falseMerges = found.clusters.filter { cluster in Set(cluster.map { truthComponents.find($0) }).count > 1 }.count
var componentOf: [Int: Int] = [:]
for (index, cluster) in found.clusters.enumerated() { for member in cluster { componentOf[member] = index } }
let clustered = truth.filter { pair in componentOf[pair.first].map { $0 == componentOf[pair.second] } ?? false }.count
print(String(format: "recall: %.4f of pairs found directly, %.4f in one cluster; precision %.4f after the exact re-check (%.4f of candidates before it); false merges: %d",
             Double(truePositives) / Double(max(truth.count, 1)), Double(clustered) / Double(max(truth.count, 1)),
             Double(truePositives) / Double(max(foundKeys.count, 1)), Double(truePositives) / Double(max(found.candidates, 1)), falseMerges))
// The exact re-check makes these invariants; a smaller recall than asked fails the run too.
let minimumRecall = options.minRecall
if falseMerges > 0 || truePositives != foundKeys.count || Double(truePositives) < minimumRecall * Double(truth.count) {
    print("FAILED: false merges, unverified pairs, or recall below \(minimumRecall)")
    exit(1)
}
let bins: [(Double, Double)] = [(threshold, 0.85), (0.85, 0.9), (0.9, 0.95), (0.95, 1), (1, 1.01)].filter { $0.1 > threshold }
for (low, high) in bins {
    let inBin = truth.filter { $0.similarity >= max(low, threshold) && $0.similarity < high }
    guard !inBin.isEmpty else { continue }
    let hit = inBin.filter { foundKeys.contains(key($0.first, $0.second)) }.count
    print(String(format: "  Jaccard %@: %d pairs, recall %.4f", high > 1 ? "1" : String(format: "[%.2f, %.2f)", max(low, threshold), high),
                 inBin.count, Double(hit) / Double(inBin.count)))
}
let plantedSimilar = planted.filter { truthKeys.contains(key($0.source, $0.copy)) }.count
print("planted copies at or above the threshold: \(plantedSimilar) of \(planted.count); pairs not planted: \(truth.count - plantedSimilar) (copies of one source, chance)")

// MARK: - datasketch on the same shingles (their low 32 bits), same permutations and banding.

guard !options.noDatasketch else { exit(0) }
let file = FileManager.default.temporaryDirectory.appendingPathComponent("dedup-benchmark-\(getpid()).u32")
var buffer: [UInt32] = []
for set in shingles.prefix(datasketchItems) {
    buffer.append(UInt32(set.count))
    buffer += set.map { UInt32(truncatingIfNeeded: $0) }
}
try buffer.withUnsafeBytes { try Data($0).write(to: file) }
buffer = []
defer { try? FileManager.default.removeItem(at: file) }
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("datasketch_side.py").path
let process = Process()
process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
process.arguments = [python, script, file.path, String(threshold), String(permutations), String(settings.falseNegativeWeight)]
process.environment = ProcessInfo.processInfo.environment.merging(["OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"]) { $1 }
let pipe = Pipe()
process.standardOutput = pipe
try process.run()
let output = pipe.fileHandleForReading.readDataToEndOfFile()
process.waitUntilExit()
guard process.terminationStatus == 0,
      let report = try JSONSerialization.jsonObject(with: output) as? [String: Any],
      let dsSeconds = report["seconds"] as? Double, let dsItems = report["items"] as? Int else {
    print("datasketch did not run (\(python) \(script)); install it with: pip install datasketch")
    exit(1)
}
let ours = Double(count) / findSeconds, theirs = Double(dsItems) / dsSeconds
print(String(format: "datasketch %@: %d items in %.1f s (%.0f items/s), %@ bands × %@ rows, %@ candidates, peak memory %@",
             report["version"] as? String ?? "?", dsItems, dsSeconds, theirs, "\(report["bands"] ?? "?")", "\(report["rows"] ?? "?")",
             "\(report["candidates"] ?? "?")", mebibytes(report["peak_kb"] as? Int ?? 0)))
print(String(format: "speed ratio on the same work (shingles to candidates): %.1f× datasketch's throughput", ours / theirs))
