import ArgumentParser
import Foundation
import DatasetCore
import Pipeline
import Sampling

extension BuildDataset {
    struct Sample: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the sampling plan per stratum: target, available, selected, reserve, shortfall.",
            discussion: """
            With --dry-run, reads the sources, validates and deduplicates the items in memory and \\
            prints what stages.sample would select, without writing anything under build/.
            """
        )

        @OptionGroup var options: PipelineOptions

        @Flag(help: "Print the plan without building (required: sampling itself runs in `run`).")
        var dryRun = false

        func validate() throws {
            guard dryRun else { throw ValidationError("use --dry-run to print the plan; `build-dataset run` samples as part of the build") }
        }

        func run() async throws {
            let spec = try options.loadSpec()
            do {
                let runner = try PipelineRunner(spec: spec, pipelineFile: options.pipelineURL, projectDirectory: options.projectURL)
                let plan = try await runner.samplingPlan()
                print("sampling plan for \(spec.name): \(plan.pool) items in the pool, strata by \(spec.sampling.strata.joined(separator: ", "))")
                let width = max(7, plan.report.map(\.stratum.count).max() ?? 0)
                print("  \("stratum".padding(toLength: width, withPad: " ", startingAt: 0))  target  available  selected  reserve  shortfall")
                for row in plan.report {
                    let target = row.target.map(String.init) ?? "all"
                    print("  \(row.stratum.padding(toLength: width, withPad: " ", startingAt: 0))  \(column(target, 6))  \(column(String(row.available), 9))  \(column(String(row.selected), 8))  \(column(String(row.reserve), 7))  \(column(String(row.shortfall), 9))")
                }
                let below = StratifiedSampler.belowMinimum(plan.report, plan: spec.sampling)
                if !below.isEmpty {
                    print("below the minimum of \(spec.sampling.minimum): \(below.map(\.stratum).joined(separator: ", "))" +
                          (spec.sampling.allowShortfall ? " (allowed)" : " (the build would fail)"))
                }
            } catch {
                throw reportAndExit(error)
            }
        }

        private func column(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
    }
}
