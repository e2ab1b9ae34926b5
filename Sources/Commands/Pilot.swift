import ArgumentParser
import Foundation
import DatasetCore
import Pilot
import Pipeline
import Release
import ReviewStore

/// Which release a pilot ran on: a published version, or the candidate.
struct PilotTargetOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The published version the models ran on (default: the release candidate in build/<pipeline>/release/).",
                               valueName: "version"))
    var release: String?

    func load(spec: PipelineSpec, layout: ProjectLayout) throws -> PilotTarget {
        guard let release else {
            return try PilotTarget.candidate(directory: layout.candidateDirectory, displayName: layout.relative(layout.candidateDirectory))
        }
        guard SemanticVersion(release) != nil else { throw InputError(file: "--release", "'\(release)' is not a version (MAJOR.MINOR.PATCH)") }
        let directory = layout.releasesRoot.appendingPathComponent(spec.releaseName).appendingPathComponent(release)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("manifest.json").path) else {
            throw InputError(file: layout.relative(directory), "no published version \(release) of \(spec.releaseName)")
        }
        return try PilotTarget.release(version: release, directory: directory, displayName: layout.relative(directory))
    }
}

extension BuildDataset {
    struct PilotCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pilot",
            abstract: "Models' answers to a release: scores, item analysis and flags before it is published.",
            discussion: """
            `pilot import FILE --model NAME` stores one model's answers to the candidate (or, with --release, a \
            published version): lm-evaluation-harness's logged samples (--log_samples) of the release's tasks, \
            or JSON Lines with id and choice (a letter) or loglikelihoods. `pilot report` scores every model with \
            bootstrap intervals, per subject and CS/CA subset, ranks them, analyses each knowledge item and \
            flags the ones to look at again; `review open ROUND --pilot-flags` sends those to a round.
            """,
            subcommands: [Import.self, Report.self]
        )
    }
}

extension BuildDataset.PilotCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store one model's answers to the candidate or a published version.",
            discussion: """
            Every line is checked against the release's items (unknown ids, answers that are not among an item's \
            choices, malformed lines: each reported with its line and field; one bad line refuses the file). A \
            file that answers some items of a config's split must answer all of them, unless --partial. Importing \
            the same answers again changes nothing; different answers for the same model are refused unless --replace.
            """)
        @Argument(help: "lm-eval's samples_<task>_<time>.jsonl, or JSON Lines of {id, choice | loglikelihoods}.") var file: String
        @Option(help: "The model's name, as the report shows it.") var model: String
        @OptionGroup var target: PilotTargetOptions
        @Flag(help: "Accept a file that answers only some items of a config's split (as lm-eval's --limit gives).") var partial = false
        @Flag(help: "Replace this model's earlier answers where the file's differ.") var replace = false
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, layout) = try options.pipeline.loadLayout()
            guard model.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._:\/@+-]{0,199}/) != nil else {
                throw reportAndExit(InputError(file: "--model", "'\(model)' must be letters, digits and . _ : / @ + - (at most 200)"))
            }
            let summary: PilotImportSummary
            do {
                let pilotTarget = try target.load(spec: spec, layout: layout)
                let url = URL(fileURLWithPath: file)
                let data: Data
                do { data = try Data(contentsOf: url) } catch { throw InputError(file: file, "cannot read: \(error.localizedDescription)") }
                let lines = try PilotAnswerFile.read(data, displayName: file, target: pilotTarget, partial: partial)
                let hashes = Dictionary(pilotTarget.items.map { ($0.item.id, $0.contentHash) }, uniquingKeysWith: { first, _ in first })
                let answers = lines.map {
                    StoredPilotAnswer(itemID: $0.response.itemID, contentHash: hashes[$0.response.itemID]!, choice: $0.response.choice,
                                      loglikelihoods: $0.response.loglikelihoods)
                }
                let store = try ReviewStore(url: layout.reviewDatabase)
                do {
                    summary = try store.importPilotAnswers(answers, target: pilotTarget.key, model: model, source: url.lastPathComponent,
                                                           replace: replace, actor: options.actorID)
                } catch let conflict as PilotAnswerConflict {
                    let lineOf = Dictionary(lines.map { ($0.response.itemID, $0.line) }, uniquingKeysWith: { first, _ in first })
                    let first = conflict.itemIDs[0], more = conflict.itemIDs.count - 1
                    throw InputError(file: file, line: lineOf[first], field: "id",
                                     "\(model) answered item '\(first)'\(more > 0 ? " and \(more) more" : "") differently before "
                                     + "(from \(conflict.earlierSource)); nothing was stored: pass --replace to replace its answers, or give another --model")
                }
                print("\(model) on \(pilotTarget.key): \(summary.added) answers added, \(summary.replaced) replaced, \(summary.unchanged) unchanged")
            } catch {
                throw reportAndExit(error)
            }
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score the models, analyse the items and flag those to look at again.",
            discussion: """
            Prints the tables and writes report.json and report.html (and, with pilot.information_items, \
            information_split.jsonl) to build/<pipeline>/pilot/<release-VERSION | candidate-HASH>/. Thresholds, \
            reference scores and resamples come from the pipeline file's `pilot` section; intervals are seeded \
            from its seed.
            """)
        @OptionGroup var target: PilotTargetOptions
        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Write the report files here instead.", valueName: "dir"))
        var output: String?
        @OptionGroup var options: PipelineOptions
        @OptionGroup var format: OutputOptions

        func run() async throws {
            let (spec, layout) = try options.loadLayout()
            do {
                let pilotTarget = try target.load(spec: spec, layout: layout)
                let (report, split) = try PilotReports.make(spec: spec, layout: layout, target: pilotTarget)
                let directory = output.map { URL(fileURLWithPath: $0, isDirectory: true) }
                    ?? layout.buildDirectory.appendingPathComponent("pilot").appendingPathComponent(pilotTarget.slug)
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try AtomicFiles.writeAndSync(try JSONLines.prettyDocument(report), to: directory.appendingPathComponent("report.json"))
                try AtomicFiles.writeAndSync(Data(report.html(title: "\(spec.releaseName) pilot on \(pilotTarget.key)").utf8),
                                             to: directory.appendingPathComponent("report.html"))
                if let split {
                    try AtomicFiles.writeAndSync(split, to: directory.appendingPathComponent("information_split.jsonl"))
                }
                if format.json {
                    try printJSON(report)
                } else {
                    print(report.text, terminator: "")
                    print("\nwrote \(layout.relative(directory))/report.json and report.html\(split == nil ? "" : " and information_split.jsonl")")
                }
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}

enum PilotReports {
    /// The report on a target from the stored answers, with how flagged items came out in
    /// review, and the information split's records as JSON Lines when the pipeline asks for one.
    static func make(spec: PipelineSpec, layout: ProjectLayout, target: PilotTarget) throws -> (PilotReport, Data?) {
        guard FileManager.default.fileExists(atPath: layout.reviewDatabase.path) else {
            throw InputError(file: layout.relative(layout.reviewDatabase), "no pilot answers: run `build-dataset pilot import FILE --model NAME` first")
        }
        let store = try ReviewStore(url: layout.reviewDatabase)
        let answers = try store.pilotAnswers(target: target.key).mapValues { byItem in
            byItem.mapValues { PilotResponse(itemID: $0.itemID, choice: $0.choice, loglikelihoods: $0.loglikelihoods) }
        }
        guard !answers.isEmpty else {
            let others = try store.pilotTargets().map { "\($0.target) (\($0.models) models)" }
            throw InputError(file: layout.relative(target.directory), "no pilot answers for \(target.key)"
                             + (others.isEmpty ? "" : "; answers are stored for: \(others.joined(separator: ", "))"))
        }
        var report = PilotAnalysis.analyze(target: target, answers: answers, settings: spec.pilot, seed: spec.seed)
        let outcomes = try store.pilotFlagOutcomes(target: target.key)
        if !outcomes.isEmpty {
            report.flagReviews = outcomes.map { .init(id: $0.itemID, round: $0.round, flags: $0.flags, outcome: $0.outcome, revised: $0.revised) }
        }
        let split = try report.informationSplit.map { split in
            let chosen = Set(split.items)
            return try JSONLines.encode(target.items.filter { chosen.contains($0.item.id) }.map(\.item).sorted { $0.id < $1.id })
        }
        return (report, split)
    }
}
