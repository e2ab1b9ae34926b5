import ArgumentParser
import Foundation
import DatasetCore
import Pipeline


extension BuildDataset {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every stage of a pipeline and build a release candidate.",
            discussion: """
            With no --pipeline, runs pipelines/example.yaml. Each stage prints the items it took in, \
            kept and set aside (with reasons), and why it ran (which of its inputs changed) or that \
            its earlier output was reused. The release candidate goes to build/<pipeline>/release/, \
            and items set aside are listed in build/<pipeline>/<stage>/dropped.jsonl. Stages that \
            take longer than a second show their progress on standard error.
            """
        )

        @OptionGroup var options: PipelineOptions

        @Option(help: ArgumentHelp("Stop after this stage.", valueName: "stage"))
        var until: StageName = .release

        @Option(help: "How many sources to read in parallel.")
        var jobs: Int = Parallel.cores

        @Flag(help: "Show no progress on standard error.")
        var quiet = false

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() async throws {
            let runner = try options.loadRunner(jobs: jobs)
            do {
                if !output.json { print("pipeline \(runner.spec.name) (\(options.pipeline))") }
                let reports = try await runner.run(until: until, progress: .standardError(quiet: quiet)) { report in
                    guard !output.json else { return }
                    print(SummaryFormat.line(report))
                    if let reason = report.reason { print("             why: \(reason)") }
                    for note in report.summary.notes { print("             \(note)") }
                }
                let layout = runner.layout
                if output.json {
                    return try printJSON(RunDocument(pipeline: options.pipeline, name: runner.spec.name,
                                                     stages: reports.map { StageOutcome($0, layout: layout) },
                                                     releaseCandidate: until == .release ? layout.relative(layout.candidateDirectory) : nil))
                }
                if until == .release {
                    print("release candidate: \(layout.relative(layout.candidateDirectory))/ (publish with `build-dataset release --version V`)")
                } else if let last = reports.last {
                    print("stopped after \(last.summary.stage.rawValue): \(layout.relative(last.directory))/")
                }
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}

/// `run --json`.
struct RunDocument: Encodable {
    var pipeline: String
    var name: String
    var stages: [StageOutcome]
    var releaseCandidate: String?

    enum CodingKeys: String, CodingKey {
        case pipeline, name, stages, releaseCandidate = "release_candidate"
    }
}

/// One stage of a run, for `run --json`.
struct StageOutcome: Encodable {
    var stage: StageName
    /// `ran` or `reused`.
    var status: String
    var reason: String?
    var directory: String
    var seconds: Double
    var cpuSeconds: Double
    /// The run's peak resident memory so far, when the stage ended.
    var peakMemoryBytes: Int
    var itemsIn: Int
    var itemsOut: Int
    var dropped: [String: Int]
    var notes: [String]

    init(_ report: StageReport, layout: ProjectLayout) {
        stage = report.summary.stage
        status = report.reused ? "reused" : "ran"
        reason = report.reason
        directory = layout.relative(report.directory)
        seconds = (report.seconds * 1000).rounded() / 1000
        cpuSeconds = (report.cpuSeconds * 1000).rounded() / 1000
        peakMemoryBytes = report.peakMemoryBytes
        itemsIn = report.summary.itemsIn
        itemsOut = report.summary.itemsOut
        dropped = report.summary.dropped
        notes = report.summary.notes
    }

    enum CodingKeys: String, CodingKey {
        case stage, status, reason, directory, seconds, cpuSeconds = "cpu_seconds", peakMemoryBytes = "peak_memory_bytes", itemsIn = "items_in", itemsOut = "items_out", dropped, notes
    }
}

enum SummaryFormat {
    static func line(_ report: StageReport) -> String {
        let summary = report.summary
        let name = summary.stage.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
        let status = (report.reused ? "reused" : "ran").padding(toLength: 8, withPad: " ", startingAt: 0)
        var text = "  \(name)\(status)in \(summary.itemsIn), out \(summary.itemsOut)"
        let droppedTotal = summary.dropped.values.reduce(0, +)
        if droppedTotal > 0 {
            let reasons = summary.dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            text += ", set aside \(droppedTotal) (\(reasons))"
        }
        return text
    }
}
