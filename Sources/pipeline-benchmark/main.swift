// The whole pipeline at the size it is for: generates N candidate items (Korean and English,
// seven subjects, planted near-duplicates, beside the example's survey source), runs the real
// `build-dataset run` cold, cached, and after one dedup setting changes, then `release` and
// `verify`, with wall time, processor time and peak memory per stage; then a pilot of M
// simulated models on the published release (`pilot import` each, `pilot report`); the review
// commands over the pool the runs registered (a round opened, read and closed, the audit log
// verified), then again with votes: reviewers assigned, two votes on every item of the round
// imported from one file, the run, status, agreement and close after them; and runs, on the same
// items, the plain Python a curator would write for the same work (curator.py: json +
// datasketch MinHashLSH + random split); see README "Benchmarks". With `--cold-runs K` the
// medians of K cold runs per stage go into <project>/cold-runs.json, and `--growth-from` prints
// each stage's growth exponent from another size's.
//
//   swift build -c release --product build-dataset && swift run -c release pipeline-benchmark [--items 100000] [...]
//   (`--help` lists the options)
import ArgumentParser
import BenchmarkSupport
import DatasetCore
import Foundation
import ReviewStore

// A command for its usage and checks only: the script below runs once the options are read.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline-benchmark",
        abstract: "Runs build-dataset on N generated candidate items, cold, cached and after a dedup setting changes, then release, verify, a pilot and the review commands; and a curator's Python script on the same items.")

    @Option(help: "How many candidate items to generate.")
    var items = 100_000
    @Option(help: "The project directory to generate (default: <temporary directory>/pipeline-benchmark-<items>).")
    var project: String?
    @Option(help: "The build-dataset to run (default: the one beside this program).")
    var tool: String?
    @Option(help: "The example project whose survey source goes beside the generated items.")
    var example = "raw"
    @Option(help: "The Python interpreter for curator.py (with datasketch).")
    var python = "python3"
    @Option(help: "Give curator.py only the first N items (default: all).")
    var pythonItems: Int?
    @Flag(help: "Do not run curator.py.")
    var noPython = false
    @Option(help: "How many simulated models pilot the published release (0 for none).")
    var pilotModels = 20
    @Option(help: "How many cold runs to make (their medians per stage, to the millisecond, go into <project>/cold-runs.json).")
    var coldRuns = 1
    @Option(help: "The project of a benchmark run at another size: prints each stage's growth exponent from it to this one.")
    var growthFrom: String?
    @Option(help: "How many reviewers vote in the review round, two on each batch (0: no votes).")
    var voteReviewers = 30

    func validate() throws {
        guard items >= 1 else { throw ValidationError("--items must be at least 1") }
        guard coldRuns >= 1 else { throw ValidationError("--cold-runs must be at least 1") }
        guard (pythonItems ?? 1) >= 1 else { throw ValidationError("--python-items must be at least 1") }
        guard pilotModels >= 0 else { throw ValidationError("--pilot-models cannot be negative") }
        guard voteReviewers == 0 || voteReviewers >= 2 else { throw ValidationError("--vote-reviewers must be 0 or at least 2 (two vote on each batch)") }
    }
}

let options = Options.parseOrExit()
let count = options.items
let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let tool = options.tool ?? here.appendingPathComponent("build-dataset").path
let example = URL(fileURLWithPath: options.example)
let project = URL(fileURLWithPath: options.project ?? FileManager.default.temporaryDirectory
    .appendingPathComponent("pipeline-benchmark-\(count)").path)
let python = options.python
let pythonItems = min(count, options.pythonItems ?? count)
let subjects = ["history", "science", "math", "language", "society", "geography", "arts"]
/// The medians of a benchmark run at another size, read before anything is generated.
let otherSize: ColdRuns? = options.growthFrom.map { folder in
    let file = URL(fileURLWithPath: folder).appendingPathComponent("cold-runs.json")
    guard let data = try? Data(contentsOf: file) else { fail("--growth-from: no cold-runs.json in \(folder) (run the benchmark there first)") }
    guard let other = try? JSONDecoder.snakeCase.decode(ColdRuns.self, from: data) else {
        fail("--growth-from: \(file.path) is not a cold-runs.json this benchmark writes (items, command_seconds, stage_seconds)")
    }
    guard other.items != count else { fail("--growth-from: \(folder) has \(count) items too") }
    return other
}

/// Prints a line at once, also into a pipe or a file (print would hold it until the end).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("pipeline-benchmark: \(message)\n".utf8))
    exit(1)
}

guard FileManager.default.isExecutableFile(atPath: tool) else {
    fail("no build-dataset at \(tool); build it with `swift build -c release --product build-dataset` or pass --tool")
}

// MARK: - The project: two authored-item files, the example's survey, and a pipeline.

func xmlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
}

let generationStart = DispatchTime.now()
try? FileManager.default.removeItem(at: project)
let raw = project.appendingPathComponent("raw")
try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
try FileManager.default.createDirectory(at: project.appendingPathComponent("pipelines"), withIntermediateDirectories: true)
for folder in ["survey", "census"] {
    try FileManager.default.copyItem(at: example.appendingPathComponent(folder), to: raw.appendingPathComponent(folder))
}
var generator = ItemGenerator(seed: 20_261_201)
var files = ["ko": "", "en": ""]
var originals: [(language: String, subject: String, question: String, choices: [String])] = []
var planted = 0
for index in 0..<count {
    let language = generator.int(2) == 0 ? "ko" : "en"
    var item: (question: String, choices: [String]), subject: String
    // One in twenty is a near-copy of an earlier item: a few characters changed, or reformatted.
    if index >= 1000, generator.int(20) == 0 {
        let source = originals[generator.int(originals.count)]
        let reformat = generator.int(4) == 0
        item = (reformat ? generator.reformatted(source.question) : generator.edited(source.question, edits: 1 + generator.int(3)), source.choices)
        subject = source.subject
        planted += 1
        let answer = Item.letter(generator.int(4))
        files[source.language]! += "  <item id=\"p-\(index)\" subject=\"\(subject)\"><question>\(xmlEscaped(item.question))</question>"
            + item.choices.map { "<choice>\(xmlEscaped($0))</choice>" }.joined() + "<answer>\(answer)</answer></item>\n"
        continue
    }
    item = generator.original(korean: language == "ko")
    subject = subjects[generator.int(subjects.count)]
    originals.append((language, subject, item.question, item.choices))
    let answer = Item.letter(generator.int(4))
    files[language]! += "  <item id=\"g-\(index)\" subject=\"\(subject)\"><question>\(xmlEscaped(item.question))</question>"
        + item.choices.map { "<choice>\(xmlEscaped($0))</choice>" }.joined() + "<answer>\(answer)</answer></item>\n"
}
for (language, body) in files {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<items xmlns=\"urn:build-dataset:authored-items:1\" xml:lang=\"\(language)\">\n"
        + body + "</items>\n"
    try Data(text.utf8).write(to: raw.appendingPathComponent("items-\(language).xml"))
}
// The generated text is let go and handed back to the system: a child's peak memory as wait4
// reports it starts from what this process holds when it spawns the child.
files = [:]
originals = []
releaseFreeMemory()
/// The benchmark's pipeline; with `round`, one review round over the knowledge items (the
/// review commands' benchmark reads the pool through it).
func pipeline(threshold: Double, round: Bool = false) -> String {
    let rounds = round ? """

            rounds:
              - {name: bench-check, tasks: [common_knowledge], reviewers: 2, batch_size: 50, rule: unanimous, guidelines: Check the key.}
        """ : ""
    return """
    name: bench
    seed: 20261201
    sources:
      - {id: social-values, kind: survey, questionnaire: raw/survey/questionnaire.yaml, tallies: raw/survey/tallies.csv,
         margins: raw/census/kr_census2010_province_sex_age5_utf8.csv, margins_mapping: raw/census/mapping.yaml,
         subject: social_values, language: ko, license: CC-BY-4.0, survey: {weighting: raking}}
      - {id: items-ko, kind: authored, path: raw/items-ko.xml, subject: general, language: ko, license: CC-BY-4.0}
      - {id: items-en, kind: authored, path: raw/items-en.xml, subject: general, language: en, license: CC-BY-4.0}
    stages:
      validate:
        common_knowledge: {choices: 4, max_choice_length: 300}
        social_value: {choices: 5}
      dedup:
        near_duplicates: {threshold: \(threshold)}
      sample:
        strata: [task, subject]
        total: \(count / 2)
        allocation: proportional
      review:
        include_unreviewed: true\(rounds)
      release:
        splits:
          - {name: dev, per_subject: 5}
          - {name: test}
    pilot: {reference_scores: {common_knowledge: 0.6}, information_items: 100}
    release: {name: bench, license: CC-BY-4.0}

    """
}
let pipelineFile = project.appendingPathComponent("pipelines/bench.yaml")
try Data(pipeline(threshold: 0.8).utf8).write(to: pipelineFile)
say("items: \(count) candidates (\(planted) planted near-copies) in Korean and English, \(subjects.count) subjects, and the example survey;"
      + " generated in \(String(format: "%.1f", seconds(since: generationStart))) s into \(project.path)")
say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")

// MARK: - build-dataset, measured.

struct StageFigures: Decodable {
    var stage: String
    var status: String
    var seconds: Double
    var cpuSeconds: Double
    var peakMemoryBytes: Int
    var itemsIn: Int
    var itemsOut: Int
}

struct RunDocument: Decodable {
    var stages: [StageFigures]
}

func format(_ seconds: Double) -> String { String(format: "%.1f s", seconds) }
func mebibytes(kilobytes: Int) -> String { "\(kilobytes / 1024) MiB" }

func run(_ title: String, _ arguments: [String]) throws -> MeasuredRun {
    let measured = try measure([tool] + arguments)
    guard measured.status == 0 else { fail("\(title): build-dataset \(arguments.joined(separator: " ")) exited with \(measured.status)") }
    say("\n\(title): \(format(measured.seconds)) wall, \(format(measured.cpuSeconds)) processor, peak \(mebibytes(kilobytes: measured.peakKilobytes))")
    return measured
}

func pipelineRun(_ title: String, pipeline: String = "pipelines/bench.yaml") throws -> MeasuredRun {
    let measured = try run(title, ["run", "--project", project.path, "-p", pipeline, "--json", "--quiet"])
    let document = try JSONDecoder.snakeCase.decode(RunDocument.self, from: measured.output)
    say("| stage | status | items in → out | wall | processor | peak memory so far |")
    say("|---|---|---|---|---|---|")
    for stage in document.stages {
        say("| \(stage.stage) | \(stage.status) | \(stage.itemsIn) → \(stage.itemsOut) | \(format(stage.seconds)) | \(format(stage.cpuSeconds)) "
              + "| \(stage.peakMemoryBytes >> 20) MiB |")
    }
    return measured
}

extension JSONDecoder {
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

/// Medians of cold runs, the figures a growth exponent is computed from.
struct ColdRuns: Codable {
    var items: Int
    var commandSeconds: Double
    var stageSeconds: [String: Double]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

var coldRuns: [(measured: MeasuredRun, stages: [StageFigures])] = []
for number in 1...options.coldRuns {
    if number > 1 {
        for folder in ["build", "data", "releases"] { try? FileManager.default.removeItem(at: project.appendingPathComponent(folder)) }
    }
    let measured = try pipelineRun(options.coldRuns == 1 ? "cold run" : "cold run \(number) of \(options.coldRuns)")
    coldRuns.append((measured, try JSONDecoder.snakeCase.decode(RunDocument.self, from: measured.output).stages))
}
let cold = coldRuns[0].measured
let medians = ColdRuns(items: count, commandSeconds: median(coldRuns.map(\.measured.seconds)),
                       stageSeconds: Dictionary(uniqueKeysWithValues: coldRuns[0].stages.map { stage in
                           (stage.stage, median(coldRuns.map { run in run.stages.first { $0.stage == stage.stage }?.seconds ?? 0 }))
                       }))
let stageOrder = coldRuns[0].stages.map(\.stage)
if options.coldRuns > 1 {
    say("\nmedians of \(options.coldRuns) cold runs: " + stageOrder.map { String(format: "%@ %.3f s", $0, medians.stageSeconds[$0]!) }.joined(separator: ", ")
          + String(format: "; stages %.3f s, command %.3f s", medians.stageSeconds.values.reduce(0, +), medians.commandSeconds))
}
let encoder = JSONEncoder()
encoder.keyEncodingStrategy = .convertToSnakeCase
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
try encoder.encode(medians).write(to: project.appendingPathComponent("cold-runs.json"))
if let other = otherSize {
    // log of the time ratio over log of the size ratio: 1 is linear.
    func exponent(_ from: Double, _ to: Double) -> String {
        from > 0 && to > 0 ? String(format: "%.2f", log(to / from) / log(Double(count) / Double(other.items))) : "-"
    }
    func line(_ name: String, _ from: Double, _ to: Double) {
        say("  " + name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "%8.3f s → %8.3f s  ", from, to) + exponent(from, to))
    }
    say("\ngrowth from \(other.items) to \(count) items (1 is linear), from median cold runs:")
    for stage in stageOrder { line(stage, other.stageSeconds[stage] ?? 0, medians.stageSeconds[stage]!) }
    line("stages", other.stageSeconds.values.reduce(0, +), medians.stageSeconds.values.reduce(0, +))
    line("command", other.commandSeconds, medians.commandSeconds)
}
_ = try pipelineRun("cached run")
try Data(pipeline(threshold: 0.85).utf8).write(to: pipelineFile)
_ = try pipelineRun("after stages.dedup.near_duplicates.threshold 0.8 → 0.85")
_ = try run("release 1.0.0", ["release", "--project", project.path, "-p", "pipelines/bench.yaml", "--version", "1.0.0"])
_ = try run("verify", ["verify", project.appendingPathComponent("releases/bench/1.0.0").path])

// MARK: - A pilot of simulated models on the published release.

let pilotModels = options.pilotModels
if pilotModels > 0 {
    // Each model answers every test item: knowledge items right with a 2PL chance (its ability
    // against the item's discrimination and difficulty), social-value items by log-likelihoods.
    let release = project.appendingPathComponent("releases/bench/1.0.0")
    var tested: [Item] = []
    for config in ["common_knowledge", "social_value"] {
        let url = release.appendingPathComponent("\(config)/test.jsonl")
        if FileManager.default.fileExists(atPath: url.path) { tested += try JSONLines.read(Item.self, from: url) }
    }
    func normal(_ random: inout SplitMix64) -> Double {
        (-2 * log(1 - random.nextUnit())).squareRoot() * cos(2 * Double.pi * random.nextUnit())
    }
    let folder = project.appendingPathComponent("pilot-answers")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var imports: [MeasuredRun] = []
    for model in 0..<pilotModels {
        var random = SplitMix64(seed: 20261201, label: "pilot-model/\(model)")
        let ability = normal(&random)
        var text = ""
        for item in tested {
            var itemRandom = SplitMix64(seed: 20261201, label: "pilot-item/\(item.id)")
            let (a, b) = (0.5 + 1.5 * itemRandom.nextUnit(), -1.5 + 3 * itemRandom.nextUnit())
            if let key = item.answer.flatMap(Item.index(ofLetter:)), item.survey == nil {
                let right = random.nextUnit() < 1 / (1 + exp(-a * (ability - b)))
                let choice = right ? key : (key + 1 + Int(random.next() % UInt64(item.choices.count - 1))) % item.choices.count
                text += #"{"id":"\#(item.id)","choice":"\#(Item.letter(choice))"}"# + "\n"
            } else {
                let values = item.choices.indices.map { _ in String(format: "%.4f", -1 + 0.5 * normal(&random)) }
                text += #"{"id":"\#(item.id)","loglikelihoods":[\#(values.joined(separator: ","))]}"# + "\n"
            }
        }
        let file = folder.appendingPathComponent(String(format: "model-%02d.jsonl", model))
        try Data(text.utf8).write(to: file)
        let measured = try measure([tool, "pilot", "import", file.path, "--model", String(format: "model-%02d", model), "--release", "1.0.0",
                                    "--project", project.path, "-p", "pipelines/bench.yaml"])
        guard measured.status == 0 else { fail("pilot import of model \(model) exited with \(measured.status)") }
        imports.append(measured)
    }
    say("\npilot import, \(pilotModels) models × \(tested.count) answers: \(format(imports.map(\.seconds).reduce(0, +))) wall in all, "
          + "\(format(imports.map(\.seconds).max()!)) the slowest, peak \(mebibytes(kilobytes: imports.map(\.peakKilobytes).max()!))")
    _ = try run("pilot report (\(pilotModels) models × \(tested.count) items)",
                ["pilot", "report", "--release", "1.0.0", "--project", project.path, "-p", "pipelines/bench.yaml"])
}

// MARK: - Review commands over the pool the runs registered.

// A second pipeline file, the same but for a review round, over the same review database: the
// round is batched, its progress and agreement read, and it is closed (no votes: all pending);
// then the audit log is verified against every review table.
try Data(pipeline(threshold: 0.85, round: true).utf8).write(to: project.appendingPathComponent("pipelines/review.yaml"))
let reviewArguments = ["--project", project.path, "-p", "pipelines/review.yaml"]
for command in [["status"], ["open", "bench-check"], ["status"], ["agreement", "bench-check"], ["close", "bench-check"], ["audit", "--verify"]] {
    let measured = try run("review \(command.joined(separator: " ")) (pipelines/review.yaml)", ["review"] + command + reviewArguments)
    let lines = String(decoding: measured.output, as: UTF8.self).split(separator: "\n")
    if command[0] != "agreement" { say("  \(lines.first ?? "")" + (lines.count > 2 ? " … (\(lines.count) lines)" : lines.count == 2 ? "; \(lines[1].trimmingCharacters(in: .whitespaces))" : "")) }
}

// MARK: - The round again, with votes.

// Reviewers r01 … rNN, two on each batch (least loaded first, as `review assign` fills them),
// each voting on every item of their batches, one vote in ten a rejection; all the votes in one
// file, as a vendor's labelled batch comes back. Then what the curator does next: the run that
// applies them, a cached run, the round's status and agreement, its close, and the audit check.
if options.voteReviewers > 0 {
    let reviewers = (1...options.voteReviewers).map { String(format: "r%02d", $0) }
    for reviewer in reviewers {
        let added = try measure([tool, "review", "reviewers", "add", reviewer] + reviewArguments)
        guard added.status == 0 else { fail("review reviewers add \(reviewer) exited with \(added.status)") }
    }
    _ = try run("review assign bench-check (\(reviewers.count) reviewers)", ["review", "assign", "bench-check"] + reviewArguments)
    let votesFile = project.appendingPathComponent("votes.jsonl")
    /// Writes every assigned reviewer's votes on their batches; returns how many.
    func writeVotes() throws -> Int {
        struct VoteLine: Encodable {
            var batch: String, reviewer: String, item_id: String, content_hash: String, decision: String, reason: String?
        }
        let store = try ReviewStore(url: project.appendingPathComponent("data/review/bench.sqlite"))
        var random = SplitMix64(seed: 20_261_201, label: "votes")
        let lineEncoder = JSONEncoder()
        lineEncoder.outputFormatting = .sortedKeys
        var lines = Data(), votes = 0
        for batch in try store.batches(round: "bench-check") where batch.kind == .review {
            let members = try store.batchItems(batch.id)
            for reviewer in batch.reviewers {
                for member in members {
                    let reject = random.next() % 10 == 0
                    lines += try lineEncoder.encode(VoteLine(batch: batch.id, reviewer: reviewer, item_id: member.item.id, content_hash: member.contentHash,
                                                             decision: reject ? "reject" : "approve", reason: reject ? "wrong key" : nil))
                    lines.append(0x0A)
                    votes += 1
                }
            }
        }
        try lines.write(to: votesFile)
        return votes
    }
    let votes = try writeVotes()
    // As after generating the items: what this process held would count in the children's peaks.
    releaseFreeMemory()
    _ = try run("review import (\(votes) votes in one file)", ["review", "import", votesFile.path] + reviewArguments)
    _ = try pipelineRun("run after the votes", pipeline: "pipelines/review.yaml")
    _ = try pipelineRun("cached run with the votes", pipeline: "pipelines/review.yaml")
    for command in [["status"], ["agreement", "bench-check"], ["close", "bench-check"], ["audit", "--verify"]] {
        let measured = try run("review \(command.joined(separator: " ")) with the votes", ["review"] + command + reviewArguments)
        let lines = String(decoding: measured.output, as: UTF8.self).split(separator: "\n")
        if command[0] != "agreement" { say("  \(lines.first ?? "")") }
    }
}

// MARK: - The Python a curator would write, on the same items.

if !options.noPython {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("curator.py").path
    let output = project.appendingPathComponent("curator-output")
    let pythonPath = python.contains("/") ? python : "/usr/bin/env"
    let pythonArguments = (python.contains("/") ? [] : [python]) + [script, raw.path, output.path, "--limit", String(pythonItems), "--total", String(pythonItems / 2)]
    let measured = try measure([pythonPath] + pythonArguments)
    if measured.status != 0 {
        say("\ncurator.py did not run (\(python) \(script)); install datasketch with: pip install datasketch")
    } else {
        say("\ncurator.py (json + datasketch MinHashLSH + random split) on \(pythonItems) items: \(format(measured.seconds)) wall, "
              + "\(format(measured.cpuSeconds)) processor, peak \(mebibytes(kilobytes: measured.peakKilobytes))")
        say(String(decoding: measured.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        let ours = Double(count) / cold.seconds, theirs = Double(pythonItems) / measured.seconds
        say(String(format: "throughput: build-dataset %.0f items/s cold, curator.py %.0f items/s: %.1f×", ours, theirs, ours / theirs))
    }
}
