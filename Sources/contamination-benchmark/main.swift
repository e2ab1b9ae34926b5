// The contamination scan at corpus size: generates a benchmark of N items (Korean and English)
// as `contamination export` writes it, and a corpus of M megabytes of JSON Lines shards (Korean
// and English text, one document in a thousand with an item planted verbatim), then scans it with
// `build-dataset contamination scan` and with the datatrove pipeline (contamination/scan_corpus.py,
// LocalPipelineExecutor), checks that both find the same hits, and prints MB/s and MB/s per core
// (megabytes over processor seconds) for each; see README "Benchmarks".
//
//   swift build -c release --product build-dataset && swift run -c release contamination-benchmark
//       [--megabytes 200] [--items 10000] [...]   (`--help` lists the options)
import ArgumentParser
import BenchmarkSupport
import DatasetCore
import Dedup
import Foundation

// A command for its usage and checks only: the script below runs once the options are read.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contamination-benchmark",
        abstract: "Scans a generated corpus for a generated benchmark's items with build-dataset contamination scan and with datatrove, and compares their hits and speed.")

    @Option(help: "The corpus size in megabytes.")
    var megabytes = 200
    @Option(help: "How many benchmark items to generate.")
    var items = 10_000
    @Option(help: "How many JSON Lines shards the corpus is written in.")
    var shards = 8
    @Option(help: "datatrove's tasks (and workers).")
    var tasks = 2
    @Option(help: "The project directory to generate (default: <temporary directory>/contamination-benchmark-<megabytes>).")
    var project: String?
    @Option(help: "The build-dataset to run (default: the one beside this program).")
    var tool: String?
    @Option(help: "The Python interpreter with datatrove.")
    var python = "python3"
    @Flag(help: "Do not run datatrove.")
    var noPython = false

    func validate() throws {
        guard megabytes >= 1, items >= 1, shards >= 1, tasks >= 1 else {
            throw ValidationError("--megabytes, --items, --shards and --tasks must each be at least 1")
        }
    }
}

let options = Options.parseOrExit()
let megabytes = options.megabytes
let itemCount = options.items
let shardCount = options.shards
let tasks = String(options.tasks)
let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let tool = options.tool ?? here.appendingPathComponent("build-dataset").path
let python = options.python
let project = URL(fileURLWithPath: options.project ?? FileManager.default.temporaryDirectory
    .appendingPathComponent("contamination-benchmark-\(megabytes)").path)

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("contamination-benchmark: \(message)\n".utf8))
    exit(1)
}
guard FileManager.default.isExecutableFile(atPath: tool) else {
    fail("no build-dataset at \(tool); build it with `swift build -c release --product build-dataset` or pass --tool")
}

// MARK: - The benchmark's items and the corpus.

let started = DispatchTime.now()
try? FileManager.default.removeItem(at: project)
let export = project.appendingPathComponent("export"), corpus = project.appendingPathComponent("corpus")
try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
var generator = ItemGenerator(seed: 20_261_201)
let sizes = NGramSizes()
var entries: [NGramIndex.Entry] = []
for index in 0..<itemCount {
    let korean = generator.int(2) == 0
    let item = generator.original(korean: korean)
    let language = korean ? "ko" : "en"
    entries.append(NGramIndex.Entry(id: String(format: "ck-%016x", index), contentHash: String(format: "%064x", index), language: language, n: sizes.size(language: language),
                                    question: item.question, choices: item.choices, answer: item.choices[0]))
}
try JSONLines.encode(entries).write(to: export.appendingPathComponent("items.jsonl"))

var planted = 0, documents = 0
let shardBytes = megabytes * 1_000_000 / shardCount
for shard in 0..<shardCount {
    var text = Data()
    while text.count < shardBytes {
        var body = (0..<(5 + generator.int(25))).map { _ in
            let sentence = generator.original(korean: generator.int(2) == 0)
            return sentence.question + " " + sentence.choices.joined(separator: ", ")
        }
        if generator.int(1000) == 0 {
            let entry = entries[generator.int(entries.count)]
            body.insert(([entry.question] + entry.choices).joined(separator: "\n"), at: generator.int(body.count))
            planted += 1
        }
        text += try JSONSerialization.data(withJSONObject: ["id": "doc-\(documents)", "text": body.joined(separator: " ")])
        text.append(0x0A)
        documents += 1
    }
    try text.write(to: corpus.appendingPathComponent(String(format: "shard-%02d.jsonl", shard)))
}
let corpusBytes = try (FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: [.fileSizeKey]))
    .map { try $0.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0 }.reduce(0, +)
entries = []
releaseFreeMemory()
say("benchmark: \(itemCount) items (half Korean: \(sizes.characters)-character n-grams; half English: \(sizes.words)-word)")
say(String(format: "corpus: %d documents in %d JSON Lines shards, %.1f MB, %d with a planted item; generated in %.1f s into %@",
           documents, shardCount, Double(corpusBytes) / 1e6, planted, seconds(since: started), project.path))
say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")

func report(_ name: String, _ run: MeasuredRun) {
    let mb = Double(corpusBytes) / 1e6
    say(String(format: "%@: %.1f s wall, %.1f s processor, peak %d MiB: %.1f MB/s, %.1f MB/s per core", name, run.seconds, run.cpuSeconds,
               run.peakKilobytes / 1024, mb / run.seconds, mb / run.cpuSeconds))
}

func hits(_ files: [URL]) throws -> [CorpusHit] {
    try CorpusHit.canonical(files.flatMap { try JSONLines.read(CorpusHit.self, from: $0) })
}

let toolRun = try measure([tool, "contamination", "scan", "--items", export.appendingPathComponent("items.jsonl").path, "--corpus", "bench",
                           corpus.path, "-o", project.appendingPathComponent("tool-hits.jsonl").path])
guard toolRun.status == 0 else { fail("build-dataset contamination scan exited with \(toolRun.status)") }
report("build-dataset contamination scan", toolRun)
let toolHits = try hits([project.appendingPathComponent("tool-hits.jsonl")])
say("  \(toolHits.count) hits, \(Set(toolHits.map(\.item)).count) items found")

if !options.noPython {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("contamination/scan_corpus.py").path
    let output = project.appendingPathComponent("datatrove")
    let pythonPath = python.contains("/") ? python : "/usr/bin/env"
    let run = try measure([pythonPath] + (python.contains("/") ? [] : [python])
                          + [script, export.path, corpus.path, output.path, "--corpus", "bench", "--tasks", tasks, "--workers", tasks,
                             // Workers forked from the measured process, so that its processor time includes theirs.
                             "--start-method", "fork"])
    guard run.status == 0 else { fail("the datatrove pipeline did not run (\(python) \(script)); pip install -r contamination/requirements.txt") }
    report("datatrove (LocalPipelineExecutor, \(tasks) tasks)", run)
    let folder = output.appendingPathComponent("hits")
    let theirs = try hits(try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil).filter { $0.pathExtension == "jsonl" })
    guard theirs == toolHits else { fail("the two scans found different hits: \(theirs.count) against \(toolHits.count)") }
    say("  the same \(theirs.count) hits; build-dataset is \(String(format: "%.1f", run.seconds / toolRun.seconds))× faster in wall time, "
        + "\(String(format: "%.1f", run.cpuSeconds / toolRun.cpuSeconds))× per core")
}
