import ArgumentParser
import Foundation
import DatasetCore
import Pipeline

/// Options shared by every command that reads a pipeline file: the pipeline is named the same
/// way everywhere (`-p`/`--pipeline`), since some commands take arguments of their own.
struct PipelineOptions: ParsableArguments {
    @Option(name: [.customShort("p"), .customLong("pipeline")], help: ArgumentHelp("The pipeline file (YAML).", valueName: "file"),
            completion: .file(extensions: ["yaml", "yml"]))
    var pipeline: String = "pipelines/example.yaml"

    @Option(name: .customLong("project"), help: ArgumentHelp(
        "The project directory: pipeline paths, build/, data/ and releases/ are relative to it.", valueName: "dir"),
            completion: .directory)
    var project: String = "."

    var projectURL: URL { URL(fileURLWithPath: project, isDirectory: true).standardizedFileURL }
    var pipelineURL: URL { pipeline.hasPrefix("/") ? URL(fileURLWithPath: pipeline) : projectURL.appendingPathComponent(pipeline) }

    /// Loads and checks the pipeline file; its problems are thrown, not printed.
    func readSpec() throws -> PipelineSpec {
        guard FileManager.default.fileExists(atPath: pipelineURL.path) else {
            throw InputError(file: pipeline, "pipeline file does not exist")
        }
        return try PipelineSpec.load(pipelineURL, displayName: pipeline, projectDirectory: projectURL)
    }

    /// Loads and checks the pipeline file; every problem is printed before exiting non-zero.
    func loadSpec() throws -> PipelineSpec {
        do {
            return try readSpec()
        } catch {
            throw reportAndExit(error)
        }
    }

    /// The pipeline's runner (its spec loaded and checked); problems are printed before exiting.
    func loadRunner(jobs: Int = 2) throws -> PipelineRunner {
        let spec = try loadSpec()
        do {
            return try PipelineRunner(spec: spec, pipelineFile: pipelineURL, projectDirectory: projectURL, jobs: jobs)
        } catch {
            throw reportAndExit(error)
        }
    }

    /// The project's layout for the pipeline (its spec loaded and checked).
    func loadLayout() throws -> (PipelineSpec, ProjectLayout) {
        let spec = try loadSpec()
        return (spec, ProjectLayout(root: projectURL, pipelineName: spec.name))
    }
}

/// `--json`: print one machine-readable document instead of the text.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON document (snake_case keys, as in the files the tool writes) instead of text.")
    var json = false
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
