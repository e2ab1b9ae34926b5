import ArgumentParser
import Foundation
import DatasetCore
import Dedup
import Pipeline

extension BuildDataset {
    struct DedupCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dedup",
            abstract: "Explain what deduplication did to an item.",
            discussion: """
            Reads the last run's dedup stage (build/<pipeline>/dedup/): whether the item was dropped and why, and every \
            cluster it belongs to, each member with its similarity and question. Run `build-dataset run` first.
            """)

        @OptionGroup var options: PipelineOptions
        @Option(help: ArgumentHelp("The item id to explain.", valueName: "id")) var explain: String

        func run() async throws {
            let runner = try options.loadRunner()
            let spec = runner.spec
            let stage = runner.buildDirectory.appendingPathComponent("dedup")
            let input = runner.buildDirectory.appendingPathComponent("validate/items.jsonl")
            guard FileManager.default.fileExists(atPath: stage.appendingPathComponent("clusters.jsonl").path),
                  FileManager.default.fileExists(atPath: input.path) else {
                throw reportAndExit(CommandError("no dedup output under \(runner.relative(stage)): run `build-dataset run --until dedup` first"))
            }
            let (items, dropped, clusters): ([Item], [DroppedItem], [DuplicateCluster])
            do {
                items = try JSONLines.read(Item.self, from: input, displayName: runner.relative(input))
                dropped = try JSONLines.read(DroppedItem.self, from: stage.appendingPathComponent("dropped.jsonl"))
                clusters = try JSONLines.read(DuplicateCluster.self, from: stage.appendingPathComponent("clusters.jsonl"))
            } catch {
                throw reportAndExit(error)
            }
            let byID = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            guard let item = byID[explain] else {
                throw reportAndExit(CommandError("'\(explain)' is not an item that reached dedup (see build/\(spec.name)/*/dropped.jsonl for items set aside earlier)"))
            }
            if let drop = dropped.first(where: { $0.id == explain }) {
                print("\(explain): dropped in dedup (\(drop.reason)): \(drop.detail)")
            } else {
                print("\(explain): kept by dedup")
            }
            print("  question: \(item.question.collapsingWhitespace)")
            let mine = clusters.filter { $0.members.contains(explain) }
            if mine.isEmpty { print("  in no duplicate or near-duplicate cluster") }
            for cluster in mine {
                let head = cluster.representative.map { "representative \($0)" } ?? "all kept for a person to resolve"
                print("\(cluster.kind) cluster (\(head)):")
                for member in cluster.members {
                    let role = member == cluster.representative ? "kept" : cluster.similarity?[member].map { String(format: "%.3f", $0) } ?? (cluster.kind == "duplicate" ? "same" : "first")
                    print("  \(member)\t\(role)\t\(byID[member]?.question.collapsingWhitespace ?? "")")
                }
            }
        }
    }
}

/// A plain message error for commands.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
