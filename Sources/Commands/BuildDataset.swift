public import ArgumentParser
import DatasetCore

/// `build-dataset`: the root command only lists the subcommands.
public struct BuildDataset: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "build-dataset",
        abstract: "Build culturally grounded LLM benchmarks from survey tallies and textbook material.",
        discussion: """
        A pipeline file (YAML) names the raw sources and the settings of each stage: \
        ingest → validate → dedup → sample → review → release. Each stage writes its output \
        under build/<pipeline>/<stage>/ and is reused when nothing it reads changed.

        Start with `build-dataset check` to validate a pipeline and its inputs, then \
        `build-dataset run` to build a release candidate, then `build-dataset release --version V` \
        to publish it under releases/<name>/<V>/.
        """,
        version: "0.1.0",
        subcommands: [Run.self, Check.self, Sample.self, DedupCommand.self, Contamination.self, Review.self, PilotCommand.self, Release.self, Verify.self, Diff.self, Survey.self]
    )

    public init() {}

    public static func main() async {
        limitAllocatorArenas()
        await main(nil)
    }
}
