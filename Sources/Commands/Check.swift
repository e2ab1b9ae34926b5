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
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var spec: PipelineSpec?
            var problems: [InputError]
            do {
                let loaded = try options.readSpec()
                spec = loaded
                problems = try await PipelineRunner(spec: loaded, pipelineFile: options.pipelineURL, projectDirectory: options.projectURL).check()
            } catch {
                problems = error.inputErrors ?? [InputError(file: options.pipeline, "\(error)")]
            }
            if output.json {
                try printJSON(CheckDocument(pipeline: options.pipeline, ok: problems.isEmpty, sources: spec?.sources.count,
                                            inputFiles: spec.map { Set($0.inputPaths).count }, problems: problems))
                if !problems.isEmpty { throw ExitCode.failure }
                return
            }
            guard let spec, problems.isEmpty else { throw reportAndExit(problems) }
            print("\(options.pipeline): ok (\(spec.sources.count) sources, \(Set(spec.inputPaths).count) input files)")
        }
    }
}

/// `check --json`.
struct CheckDocument: Encodable {
    var pipeline: String
    var ok: Bool
    var sources: Int?
    var inputFiles: Int?
    var problems: [InputError]

    enum CodingKeys: String, CodingKey {
        case pipeline, ok, sources, inputFiles = "input_files", problems
    }
}
