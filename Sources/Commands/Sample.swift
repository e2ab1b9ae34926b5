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
            With --dry-run, goes through the pipeline's stages up to dedup (reading the outputs in \
            build/ that are current, and computing the others in a scratch folder) and prints what \
            stages.sample would select, without writing anything under build/.
            """
        )

        @OptionGroup var options: PipelineOptions

        @Flag(help: "Print the plan without building (required: sampling itself runs in `run`).")
        var dryRun = false

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard dryRun else { throw ValidationError("use --dry-run to print the plan; `build-dataset run` samples as part of the build") }
        }

        func run() async throws {
            let runner = try options.loadRunner()
            let spec = runner.spec
            do {
                let pool = try await runner.preview(until: .dedup) { reports in
                    try JSONLines.read(Item.self, from: reports[.dedup]!.directory.appendingPathComponent(StageFile.items.rawValue))
                }
                let report = StratifiedSampler.sample(pool, plan: spec.sampling, seed: spec.seed).report
                // What the quotas count: translations come with the items they translate.
                let counted = pool.filter { $0.translation == nil }.count
                let below = StratifiedSampler.belowMinimum(report, plan: spec.sampling)
                if output.json {
                    return try printJSON(SamplingPlanDocument(pipeline: options.pipeline, pool: counted, strataBy: spec.sampling.strata,
                                                              strata: report, minimum: spec.sampling.minimum,
                                                              belowMinimum: below.map(\.stratum), allowShortfall: spec.sampling.allowShortfall))
                }
                print("sampling plan for \(spec.name): \(counted) items in the pool, strata by \(spec.sampling.strata.joined(separator: ", "))")
                let width = max(7, report.map(\.stratum.count).max() ?? 0)
                print("  \("stratum".padding(toLength: width, withPad: " ", startingAt: 0))  target  available  selected  reserve  shortfall")
                for row in report {
                    let target = row.target.map(String.init) ?? "all"
                    print("  \(row.stratum.padding(toLength: width, withPad: " ", startingAt: 0))  \(column(target, 6))  \(column(String(row.available), 9))  \(column(String(row.selected), 8))  \(column(String(row.reserve), 7))  \(column(String(row.shortfall), 9))")
                }
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

/// `sample --dry-run --json`.
struct SamplingPlanDocument: Encodable {
    var pipeline: String
    var pool: Int
    var strataBy: [String]
    var strata: [StratumReport]
    var minimum: Int
    var belowMinimum: [String]
    var allowShortfall: Bool

    enum CodingKeys: String, CodingKey {
        case pipeline, pool, strataBy = "strata_by", strata, minimum, belowMinimum = "below_minimum", allowShortfall = "allow_shortfall"
    }
}
