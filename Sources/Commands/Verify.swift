import ArgumentParser
import Foundation
import DatasetCore
import Release

extension BuildDataset {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a release directory against its manifest and the item schema.",
            discussion: """
            Re-hashes every file the manifest lists, counts the records, reports any data file it \\
            does not list, and checks every record against the item schema (the built-in one, or \\
            --schema). Exits non-zero on any mismatch.
            """
        )

        @Argument(help: "A release directory (releases/<name>/<version>) or a release candidate.", completion: .directory)
        var release: String

        @Option(help: ArgumentHelp("An item schema to check the records against instead of the built-in one.", valueName: "file"))
        var schema: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            let directory = URL(fileURLWithPath: release)
            do {
                var problems = try ReleaseWriter.verify(directory)
                let schemaText = try schema.map { try Data(contentsOf: URL(fileURLWithPath: $0)).utf8Text(file: $0) } ?? builtInItemSchema
                // A damaged file may no longer parse: said beside its hash mismatch.
                let (records, recordProblems) = try ReleaseWriter.checkRecords(in: directory, displayName: release, schemaText: schemaText,
                                                                               schemaName: schema ?? "item.schema.json")
                problems += recordProblems.map { $0.description.hasPrefix(release + "/") ? String($0.description.dropFirst(release.count + 1)) : $0.description }
                let manifest = problems.isEmpty ? try ReleaseManifest.read(from: directory.appendingPathComponent("manifest.json")) : nil
                if output.json {
                    try printJSON(VerifyDocument(release: release, ok: problems.isEmpty, dataFiles: manifest?.files.count,
                                                 records: manifest == nil ? nil : records, problems: problems))
                    if !problems.isEmpty { throw ExitCode.failure }
                    return
                }
                guard let manifest else {
                    for problem in problems { printError("error: \(release)/\(problem)") }
                    throw ExitCode.failure
                }
                print("\(release): ok (\(manifest.files.count) data files, \(records) records, every hash matches)")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw reportAndExit(error)
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changed between two releases, and the version step it needs.",
            discussion: "Items added, removed, with a changed answer, changed text, changed labels, or other changes."
        )

        @Argument(help: "The older release directory.", completion: .directory)
        var old: String

        @Argument(help: "The newer release directory (or a release candidate).", completion: .directory)
        var new: String

        @OptionGroup var output: OutputOptions

        func run() throws {
            do {
                let diff = ReleaseDiff.compare(old: try ReleaseContents.items(in: URL(fileURLWithPath: old), displayName: old),
                                               new: try ReleaseContents.items(in: URL(fileURLWithPath: new), displayName: new))
                if output.json {
                    return try printJSON(DiffDocument(old: old, new: new, requiredBump: "\(diff.requiredBump)", added: diff.added,
                                                      removed: diff.removed, changedAnswer: diff.changedAnswer, changedText: diff.changedText,
                                                      changedLabels: diff.changedLabels, otherChanges: diff.changedMetadata,
                                                      changes: diff.changes.mapValues { $0.map { ["field": $0.field, "before": $0.before, "after": $0.after] } }))
                }
                print("\(old) → \(new): needs a \(diff.requiredBump) version")
                for (heading, ids) in [("added", diff.added), ("removed", diff.removed), ("changed answer", diff.changedAnswer),
                                       ("changed text", diff.changedText), ("changed labels", diff.changedLabels),
                                       ("other changes", diff.changedMetadata)] {
                    print("  \(heading): \(ids.count)")
                    for id in ids {
                        print("    \(id)" + (diff.described[id].map { " \($0)" } ?? ""))
                        for change in diff.changes[id] ?? [] { print("      \(change.field): \(change.before) → \(change.after)") }
                    }
                }
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}

/// `verify --json`.
struct VerifyDocument: Encodable {
    var release: String
    var ok: Bool
    var dataFiles: Int?
    var records: Int?
    /// Each problem, with its path inside the release.
    var problems: [String]

    enum CodingKeys: String, CodingKey {
        case release, ok, dataFiles = "data_files", records, problems
    }
}

/// `diff --json`: item ids by kind of change, the version step they need, and each changed
/// item's fields with before and after.
struct DiffDocument: Encodable {
    var old: String
    var new: String
    var requiredBump: String
    var added: [String]
    var removed: [String]
    var changedAnswer: [String]
    var changedText: [String]
    var changedLabels: [String]
    var otherChanges: [String]
    var changes: [String: [[String: String]]]

    enum CodingKeys: String, CodingKey {
        case old, new, requiredBump = "required_bump", added, removed, changedAnswer = "changed_answer", changedText = "changed_text"
        case changedLabels = "changed_labels", otherChanges = "other_changes", changes
    }
}
