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

    var projectURL: URL { projectDirectoryURL(project) }
    var pipelineURL: URL { pipelineFileURL(pipeline, project: projectURL) }

    /// Loads and checks the pipeline file; every problem is printed before exiting non-zero.
    func loadSpec() throws -> PipelineSpec { try loadPipelineSpec(pipeline, project: projectURL) }

    /// The pipeline's runner (its spec loaded and checked); problems are printed before exiting.
    func loadRunner() throws -> PipelineRunner {
        let spec = try loadSpec()
        do {
            return try PipelineRunner(spec: spec, pipelineFile: pipelineURL, projectDirectory: projectURL)
        } catch {
            throw reportAndExit(error)
        }
    }
}

func projectDirectoryURL(_ project: String) -> URL {
    URL(fileURLWithPath: project, isDirectory: true).standardizedFileURL
}

func pipelineFileURL(_ pipeline: String, project: URL) -> URL {
    pipeline.hasPrefix("/") ? URL(fileURLWithPath: pipeline) : project.appendingPathComponent(pipeline)
}

func loadPipelineSpec(_ pipeline: String, project: URL) throws -> PipelineSpec {
    let url = pipelineFileURL(pipeline, project: project)
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw reportAndExit([InputError(file: pipeline, "pipeline file does not exist")])
    }
    do {
        return try PipelineSpec.load(url, displayName: pipeline, projectDirectory: project)
    } catch {
        throw reportAndExit(error)
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
