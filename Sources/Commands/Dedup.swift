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
            Goes through the pipeline's stages up to dedup (reading the outputs in build/ that are \
            current, and computing the others without writing under build/), then says whether the \
            item was dropped and why, and every cluster it belongs to, each member with its \
            similarity and question.
            """)

        @OptionGroup var options: PipelineOptions
        @Option(help: ArgumentHelp("The item id to explain.", valueName: "id")) var explain: String

        func run() async throws {
            let runner = try options.loadRunner()
            let (items, dropped, clusters): ([Item], [DroppedItem], [DuplicateCluster])
            do {
                (items, dropped, clusters) = try await runner.preview(until: .dedup) { reports in
                    let input = reports[.validate]!.directory, output = reports[.dedup]!.directory
                    func read<T: Decodable & Sendable>(_ type: T.Type, _ file: StageFile, in folder: URL) throws -> [T] {
                        let url = folder.appendingPathComponent(file.rawValue)
                        return try JSONLines.read(type, from: url, displayName: runner.layout.relative(url))
                    }
                    return (try read(Item.self, .items, in: input), try read(DroppedItem.self, .dropped, in: output),
                            try read(DuplicateCluster.self, .clusters, in: output))
                }
            } catch {
                throw reportAndExit(error)
            }
            let byID = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            guard let item = byID[explain] else {
                throw reportAndExit(CommandError("'\(explain)' is not an item that reached dedup (see \(runner.layout.relative(runner.layout.buildDirectory))/*/dropped.jsonl for items set aside earlier)"))
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
