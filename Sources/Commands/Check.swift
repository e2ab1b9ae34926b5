import ArgumentParser
import Foundation
import DatasetCore
import Pipeline

extension BuildDataset {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a pipeline file and every raw input it names, building nothing.",
            discussion: """
            Reports every problem found, each with its file, line and key or field, and exits \
            non-zero if there is any. Nothing under build/ or releases/ is written.
            """
        )

        @OptionGroup var options: PipelineOptions

        func run() async throws {
            let runner = try options.loadRunner()
            let spec = runner.spec
            let problems = await runner.check()
            guard problems.isEmpty else { throw reportAndExit(problems) }
            print("\(options.pipeline): ok (\(spec.sources.count) sources, \(Set(spec.inputPaths).count) input files)")
        }
    }
}
