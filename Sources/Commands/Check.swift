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
            let spec = try options.loadSpec()
            let runner: PipelineRunner
            do {
                runner = try PipelineRunner(spec: spec, pipelineFile: options.pipelineURL, projectDirectory: options.projectURL)
            } catch {
                throw reportAndExit(error)
            }
            let problems = await runner.check()
            guard problems.isEmpty else { throw reportAndExit(problems) }
            print("\(options.pipeline): ok (\(spec.sources.count) sources, \(Set(spec.inputPaths).count) input files)")
        }
    }
}
