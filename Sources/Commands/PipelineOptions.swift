import ArgumentParser
import Foundation
import DatasetCore
import Pipeline

/// Options shared by every command that reads a pipeline file.
struct PipelineOptions: ParsableArguments {
    @Argument(help: "The pipeline file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var pipeline: String = "pipelines/example.yaml"

    @Option(name: .customLong("project"), help: ArgumentHelp(
        "The project directory: pipeline paths, build/ and releases/ are relative to it.", valueName: "dir"))
    var project: String = "."

    var projectURL: URL {
        URL(fileURLWithPath: project, isDirectory: true).standardizedFileURL
    }

    var pipelineURL: URL {
        pipeline.hasPrefix("/") ? URL(fileURLWithPath: pipeline) : projectURL.appendingPathComponent(pipeline)
    }

    /// Loads and checks the pipeline file; every problem is printed before exiting non-zero.
    func loadSpec() throws -> PipelineSpec {
        guard FileManager.default.fileExists(atPath: pipelineURL.path) else {
            throw reportAndExit([InputError(file: pipeline, "pipeline file does not exist")])
        }
        do {
            return try PipelineSpec.load(pipelineURL, displayName: pipeline, projectDirectory: projectURL)
        } catch {
            throw reportAndExit(error)
        }
    }
}

/// Prints an error (every input problem on its own line) to stderr and returns the exit code to throw.
func reportAndExit(_ error: any Error) -> ExitCode {
    if let problems = error.inputErrors {
        return reportAndExit(problems)
    }
    printError("error: \(error)")
    return ExitCode.failure
}

func reportAndExit(_ problems: [InputError]) -> ExitCode {
    for problem in problems { printError("error: \(problem)") }
    if problems.count > 1 { printError("\(problems.count) problems") }
    return ExitCode.failure
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
