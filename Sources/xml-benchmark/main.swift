// Ingest throughput and peak memory of the CNXML reader against `xmllint --stream --noout`
// (Debian's libxml2-utils) on the same generated corpus; see README "Benchmarks".
//
//   swift run -c release xml-benchmark [--megabytes 100] [--runs 5] [--directory .build/xml-benchmark]
import ArgumentParser
import BenchmarkSupport
import Crypto
import DatasetCore
import Foundation
import TextbookIngest
import XMLReader
#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())

// MARK: - The measured child: ingest files, print seconds, peak RSS and counts.

// With `--digest`, it also prints a SHA-256 of every record read (as sorted-key JSON lines), so
// that two builds of the reader can be shown to read the same thing; timed runs never ask for it.
if arguments.first == "ingest" {
    let digest = arguments.contains("--digest")
    let files = arguments.dropFirst().filter { $0 != "--digest" }.map { URL(fileURLWithPath: $0) }
    var items = 0, passages = 0, dropped = 0
    var hasher = digest ? RecordDigest() : nil
    let start = DispatchTime.now()
    for file in files {
        let context = TextbookContext(sourceID: "bench", document: file.lastPathComponent, subject: "statistics", language: "en",
                                      license: nil, revision: "")
        _ = try CNXMLReader().stream(fileAt: file, context: context) { record in
            switch record {
            case .item(let item):
                items += 1
                try hasher?.add(item)
            case .passage(let passage):
                passages += 1
                try hasher?.add(passage)
            case .dropped(let item):
                dropped += 1
                try hasher?.add(item)
            }
        }
    }
    let seconds = seconds(since: start)
    print("\(seconds) \(peakResidentKilobytes()) \(items) \(passages) \(dropped)" + (hasher.map { " \($0.hex)" } ?? ""))
    exit(0)
}

// The XML reader alone, for finding where time goes.
if arguments.first == "events" {
    var events = 0
    let start = DispatchTime.now()
    for path in arguments.dropFirst() {
        try XMLStreamReader().read(fileAt: URL(fileURLWithPath: path), displayName: path) { _ in events += 1 }
    }
    print(seconds(since: start), events)
    exit(0)
}

/// A running SHA-256 over records' JSON lines.
struct RecordDigest {
    private var hasher = SHA256()
    private let encoder = JSONLines.makeEncoder()

    mutating func add(_ record: some Encodable) throws {
        hasher.update(data: Data(try JSONLines.line(for: record, encoder: encoder).utf8 + [0x0A]))
    }

    var hex: String { hasher.finalize().withUnsafeBytes { Hashing.hex($0) } }
}

// MARK: - The corpus: CNXML modules shaped like OpenStax's, from a fixed seed.

struct CorpusWriter {
    var generator = SplitMix64(seed: 20_261_123)
    let words = ["data", "sample", "population", "variable", "mean", "median", "statistic", "parameter", "probability",
                 "frequency", "distribution", "survey", "표본", "모집단", "평균", "분산", "the", "of", "and", "a", "is", "to",
                 "students", "measure", "random", "interval", "estimate", "confidence", "error", "value"]

    mutating func sentence(_ count: Int) -> String {
        var text: [String] = []
        for index in 0..<count {
            var word = words[Int(generator.next() % UInt64(words.count))]
            if index == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            text.append(word)
        }
        return text.joined(separator: " ") + "."
    }

    mutating func module(id: Int, approximateBytes: Int) -> String {
        var xml = """
        <document xmlns="http://cnx.rice.edu/cnxml" xmlns:m="http://www.w3.org/1998/Math/MathML">
          <title>Generated module \(id)</title>
          <metadata xmlns:md="http://cnx.rice.edu/mdml"><md:content-id>m\(90000 + id)</md:content-id></metadata>
          <content>

        """
        var section = 0
        while xml.utf8.count < approximateBytes {
            section += 1
            xml += "    <section id=\"s\(section)\"><title>Section \(section)</title>\n"
            for paragraph in 0..<8 {
                xml += "      <para id=\"s\(section)-p\(paragraph)\">\(sentence(30)) The <term>\(words[paragraph])</term> is <emphasis effect=\"italics\">\(sentence(6))</emphasis> \(sentence(25))</para>\n"
            }
            let letters = ["a", "b", "c", "d"]
            let key = letters[Int(generator.next() % 4)]
            xml += """
                  <exercise id="s\(section)-e1"><problem id="s\(section)-e1p"><para id="s\(section)-e1q">\(sentence(18))</para>
                    <list id="s\(section)-e1l" list-type="enumerated" number-style="lower-alpha">
                      <item>\(sentence(4))</item><item>\(sentence(5))</item><item>\(sentence(4))</item><item>\(sentence(6))</item>
                    </list></problem>
                    <solution id="s\(section)-e1s"><para id="s\(section)-e1a">\(key)</para></solution></exercise>
                  <exercise id="s\(section)-e2"><problem id="s\(section)-e2p"><para id="s\(section)-e2q">\(sentence(14))</para></problem>
                  <!-- <solution id="s\(section)-e2s"><para>\(sentence(8))</para></solution> --></exercise>
                </section>

            """
        }
        xml += "  </content>\n  <glossary>\n"
        for term in 0..<20 {
            xml += "    <definition id=\"g\(term)\"><term>Term \(term)</term><meaning id=\"g\(term)m\">\(sentence(12))</meaning></definition>\n"
        }
        xml += "  </glossary>\n</document>\n"
        return xml
    }
}

// A command for its usage and checks only: the script below runs once the options are read (the
// `ingest` and `events` modes above are this program's children, not for people).
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xml-benchmark",
        abstract: "The CNXML reader against xmllint --stream on a generated OpenStax-shaped corpus: throughput, processor time and peak memory.")

    @Option(help: "The corpus in MiB (that many modules of 1 MiB), and the size of the largest single module.")
    var megabytes = 100
    @Option(help: "The directory the corpus is generated in.")
    var directory = ".build/xml-benchmark"
    @Option(help: "Runs of each case (the medians are compared).")
    var runs = 5

    func validate() throws {
        guard megabytes >= 1, runs >= 1 else { throw ValidationError("--megabytes and --runs must be at least 1") }
    }
}

let options = Options.parseOrExit()
let megabytes = options.megabytes
let directory = URL(fileURLWithPath: options.directory)
let corpus = directory.appendingPathComponent("corpus")
try? FileManager.default.removeItem(at: directory)
try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)

var writer = CorpusWriter()
var corpusFiles: [URL] = []
for index in 0..<megabytes {
    let url = corpus.appendingPathComponent(String(format: "m%05d.cnxml", index))
    try Data(writer.module(id: index, approximateBytes: 1 << 20).utf8).write(to: url)
    corpusFiles.append(url)
}
var singleFiles: [URL] = []
for size in [max(1, megabytes / 10), megabytes] {
    let url = directory.appendingPathComponent("single-\(size)MiB.cnxml")
    try Data(writer.module(id: 99_999, approximateBytes: size << 20).utf8).write(to: url)
    singleFiles.append(url)
}
let cases: [(name: String, files: [URL])] = [
    ("\(megabytes) modules of 1 MiB", corpusFiles),
    ("one \(max(1, megabytes / 10)) MiB module", [singleFiles[0]]),
    ("one \(megabytes) MiB module", [singleFiles[1]]),
]

// MARK: - Measure both on each case, each run in a fresh process under /usr/bin/time.

/// Runs a command under `/usr/bin/time`; returns its standard output and the figures of time.
func timed(_ command: [String]) throws -> (output: String, wall: Double, cpu: Double, peakKilobytes: Double) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    let figures = FileManager.default.temporaryDirectory.appendingPathComponent("xml-benchmark-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: figures) }
    process.arguments = ["-f", "%e %U %S %M", "-o", figures.path] + command
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw NSError(domain: "xml-benchmark", code: Int(process.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "\(command[0]) failed: \(errorText)"])
    }
    let numbers = try String(contentsOf: figures, encoding: .utf8).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
    return (text, max(numbers[0], 0.01), numbers[1] + numbers[2], numbers[3])
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

// Timings on a shared machine wander by a third between runs, so each case runs several times,
// ours and xmllint's turn about, and the medians are compared.
let runs = options.runs
let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
print("medians of \(runs) runs each: wall-clock throughput (ours timed from inside the process), CPU seconds (user + system,")
print("start-up included), peak resident memory")
print("case                         MiB   ours MiB/s  xmllint MiB/s  ratio   ours CPU s  xmllint CPU s  ratio  ours peak MiB  xmllint peak MiB  items  passages")
for benchmark in cases {
    let bytes = try benchmark.files.reduce(0) { $0 + (try FileManager.default.attributesOfItem(atPath: $1.path)[.size] as! Int) }
    let mib = Double(bytes) / Double(1 << 20)
    var ours: [(wall: Double, cpu: Double, peak: Double)] = [], lint: [(wall: Double, cpu: Double, peak: Double)] = []
    var counts: [Substring] = []
    for _ in 0..<runs {
        let run = try timed([me, "ingest"] + benchmark.files.map(\.path))
        counts = run.output.split(separator: " ")
        // Ours is timed from inside, without the Swift runtime's start-up (xmllint's is a millisecond).
        ours.append((Double(counts[0])!, run.cpu, run.peakKilobytes / 1024))
        let reference = try timed(["xmllint", "--stream", "--noout"] + benchmark.files.map(\.path))
        lint.append((reference.wall, reference.cpu, reference.peakKilobytes / 1024))
    }
    let oursWall = median(ours.map(\.wall)), lintWall = median(lint.map(\.wall))
    let oursCPU = median(ours.map(\.cpu)), lintCPU = median(lint.map(\.cpu))
    let line = [
        benchmark.name.padding(toLength: 27, withPad: " ", startingAt: 0),
        String(format: "%5.0f", mib),
        String(format: "%12.1f", mib / oursWall),
        String(format: "%14.1f", mib / lintWall),
        String(format: "%6.2f", oursWall / lintWall),
        String(format: "%12.2f", oursCPU),
        String(format: "%14.2f", lintCPU),
        String(format: "%6.2f", oursCPU / max(lintCPU, 0.01)),
        String(format: "%14.1f", median(ours.map(\.peak))),
        String(format: "%17.1f", median(lint.map(\.peak))),
        String(format: "%6d", Int(counts[2])!),
        String(format: "%9d", Int(counts[3])!),
    ]
    print(line.joined(separator: " "))
}
