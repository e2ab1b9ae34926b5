import ArgumentParser
import Foundation
import DatasetCore
import Pipeline

extension BuildDataset {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every stage of a pipeline and build a release candidate.",
            discussion: """
            With no pipeline argument, runs pipelines/example.yaml. Each stage prints the items it \
            took in, kept and set aside (with reasons); a stage whose inputs, settings and tool \
            version are unchanged is skipped. The release candidate goes to build/<pipeline>/release/, \
            and items set aside are listed in build/<pipeline>/<stage>/dropped.jsonl.
            """
        )

        @OptionGroup var options: PipelineOptions

        @Option(help: ArgumentHelp("Stop after this stage (\(StageName.allCases.map(\.rawValue).joined(separator: ", "))).", valueName: "stage"))
        var until: String?

        @Option(help: "How many sources to read in parallel.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            if let until, StageName(rawValue: until) == nil {
                throw ValidationError("unknown stage '\(until)'; stages are \(StageName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        }

        func run() async throws {
            let spec = try options.loadSpec()
            do {
                let runner = try PipelineRunner(spec: spec, pipelineFile: options.pipelineURL,
                                                projectDirectory: options.projectURL, jobs: jobs)
                print("pipeline \(spec.name) (\(options.pipeline))")
                let reports = try await runner.run(until: until.flatMap(StageName.init) ?? .release) { report in
                    print(SummaryFormat.line(report))
                    for note in report.summary.notes { print("             \(note)") }
                }
                if reports.last?.summary.stage == StageName.release.rawValue {
                    print("release candidate: \(runner.relative(runner.candidateDirectory))/ (publish with `build-dataset release --version V`)")
                } else if let last = reports.last {
                    print("stopped after \(last.summary.stage): \(runner.relative(last.directory))/")
                }
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}

enum SummaryFormat {
    static func line(_ report: StageReport) -> String {
        let summary = report.summary
        let name = summary.stage.padding(toLength: 9, withPad: " ", startingAt: 0)
        let status = (report.skipped ? "skipped" : "ran").padding(toLength: 8, withPad: " ", startingAt: 0)
        var text = "  \(name)\(status)in \(summary.itemsIn), out \(summary.itemsOut)"
        let droppedTotal = summary.dropped.values.reduce(0, +)
        if droppedTotal > 0 {
            let reasons = summary.dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            text += ", set aside \(droppedTotal) (\(reasons))"
        }
        return text
    }
}
