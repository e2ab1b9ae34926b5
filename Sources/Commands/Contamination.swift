import ArgumentParser
import Foundation
import CorpusScan
import DatasetCore
import Dedup
import Pipeline

extension BuildDataset {
    struct Contamination: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look for the benchmark's items in pretraining corpora: export them, scan shards, import the hits.",
            discussion: """
            `export` writes the items as the datatrove pipeline in contamination/ indexes them; \
            that pipeline (or `scan`, for a corpus one machine can read) writes hits; `import` keeps \
            them for the dedup stage, which drops or flags the items found (stages.dedup.contamination.action) \
            on the next `run`, and the release names the corpora.
            """,
            subcommands: [Export.self, Scan.self, Import.self])
    }
}

extension BuildDataset.Contamination {
    /// The items that reach dedup, as the scan looks for them, and the n-gram sizes.
    static func entries(_ options: PipelineOptions) async throws -> (entries: [NGramIndex.Entry], sizes: NGramSizes, layout: ProjectLayout) {
        let runner = try options.loadRunner()
        let sizes = runner.spec.contamination.ngrams
        do {
            let items = try await runner.preview(until: .validate) { reports in
                try JSONLines.read(Item.self, from: reports[.validate]!.directory.appendingPathComponent(StageFile.items.rawValue))
            }
            return (items.map { NGramIndex.Entry(item: $0, sizes: sizes) }, sizes, runner.layout)
        } catch {
            throw reportAndExit(error)
        }
    }

    static let tokenization = """
        NFKC, then each scalar's full lowercase mapping (final sigma as sigma); each Hangul, Han or kana \
        scalar is a token; any other run of letters, marks and digits is a token; everything else separates tokens
        """

    /// `settings.json` of an export.
    struct ExportSettings: Codable {
        var tool: String
        var words: Int
        var characters: Int
        var tokenization: String
        var items: Int
        var tooShort: [String]

        enum CodingKeys: String, CodingKey {
            case tool, words, characters, tokenization, items, tooShort = "too_short"
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the items that reach dedup as the contamination scan takes them.",
            discussion: """
            Writes <dir>/items.jsonl (id, content_hash, language, n: the n-gram length for its \
            language, question, choices, answer) and <dir>/settings.json (the n-gram sizes, how text \
            is tokenized, and the items too short to be found). Both scans read this export.
            """)

        @OptionGroup var options: PipelineOptions
        @Option(name: .shortAndLong, help: ArgumentHelp("The folder to write into.", valueName: "dir"))
        var output: String = "contamination-export"

        func run() async throws {
            let (entries, sizes, _) = try await BuildDataset.Contamination.entries(options)
            let index = NGramIndex(entries)
            let folder = URL(fileURLWithPath: output, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try AtomicFiles.write(try JSONLines.encode(entries), to: folder.appendingPathComponent("items.jsonl"))
                let settings = ExportSettings(tool: "\(ToolInfo.name) \(ToolInfo.version)", words: sizes.words, characters: sizes.characters,
                                              tokenization: BuildDataset.Contamination.tokenization, items: entries.count, tooShort: index.tooShort)
                try AtomicFiles.write(try JSONLines.prettyDocument(settings), to: folder.appendingPathComponent("settings.json"))
            } catch {
                throw reportAndExit(error)
            }
            print("exported \(entries.count) items (\(index.ngramCount) distinct n-grams: \(sizes.words) words, \(sizes.characters) characters "
                  + "for ko, ja, zh) to \(output)/items.jsonl")
            if !index.tooShort.isEmpty {
                print("\(index.tooShort.count) items are shorter than one n-gram and cannot be found (listed in \(output)/settings.json)")
            }
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scan corpus shards (JSON Lines, optionally gzip) for the items' n-grams on this machine.",
            discussion: """
            The same scan as the datatrove pipeline in contamination/, with the same hits, on both cores. \
            Folders are searched for .jsonl, .jsonl.gz and .json.gz files; a shard's name is its path \
            inside the folder. Parquet shards go through the datatrove pipeline.
            """)

        @OptionGroup var options: PipelineOptions
        @Option(help: ArgumentHelp("The corpus's name, as hits and the release name it.", valueName: "name"))
        var corpus: String
        @Argument(help: ArgumentHelp("Shards, or folders of shards.", valueName: "path"))
        var paths: [String]
        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the hits (JSON Lines).", valueName: "file"))
        var output: String
        @Option(help: ArgumentHelp("An export's items.jsonl to look for, instead of the pipeline's items.", valueName: "file"))
        var items: String?
        @Option(help: "The field holding a document's text.") var textKey = "text"
        @Option(help: "The field holding a document's id (without it: <shard>/<line from 0>).") var idKey = "id"
        @Flag(help: "Skip lines that are not JSON objects (counted), as datatrove's readers do, instead of stopping at the first.")
        var skipMalformed = false

        func validate() throws {
            guard !corpus.isEmpty, !corpus.contains(where: { $0.isWhitespace || $0 == ":" }) else {
                throw ValidationError("--corpus must be a name without spaces or colons")
            }
        }

        func run() async throws {
            let entries: [NGramIndex.Entry]
            if let items {
                do { entries = try JSONLines.read(NGramIndex.Entry.self, from: URL(fileURLWithPath: items), displayName: items) } catch {
                    throw reportAndExit(error)
                }
            } else {
                entries = try await BuildDataset.Contamination.entries(options).entries
            }
            let started = Date()
            let result: CorpusScanResult
            do {
                let index = NGramIndex(entries)
                var scanner = CorpusScanner(index: index, corpus: corpus)
                scanner.textKey = textKey
                scanner.idKey = idKey
                scanner.skipMalformed = skipMalformed
                // On a terminal, one line redrawn at most twice a second; otherwise a line every ten seconds.
                let terminal = isatty(STDERR_FILENO) == 1
                var shown = Date()
                result = try scanner.scan(try CorpusShard.find(paths.map { URL(fileURLWithPath: $0) })) { shard, sofar in
                    guard Date().timeIntervalSince(shown) >= (terminal ? 0.5 : 10) else { return }
                    shown = Date()
                    let line = String(format: "scan: %@, %.0f MB, %d documents, %d hits so far, %.1f MB/s", shard.name,
                                      Double(sofar.bytes) / 1e6, sofar.documents, sofar.hits.count,
                                      Double(sofar.bytes) / 1e6 / max(shown.timeIntervalSince(started), 0.001))
                    if terminal { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) } else { printError(line) }
                }
                if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                try AtomicFiles.write(try JSONLines.encode(result.hits), to: URL(fileURLWithPath: output))
            } catch {
                throw reportAndExit(error)
            }
            let seconds = Date().timeIntervalSince(started)
            let megabytes = Double(result.bytes) / 1_000_000
            print(String(format: "scanned %d documents (%.1f MB) in %.1f s: %.1f MB/s; %d hits, %d items found; written to %@",
                         result.documents, megabytes, seconds, megabytes / max(seconds, 0.001), result.hits.count,
                         Set(result.hits.map(\.item)).count, output))
            if result.malformedCount > 0 {
                print("skipped \(result.malformedCount) lines that are not JSON objects: "
                      + result.malformed.map(\.description).joined(separator: ", ") + (result.malformedCount > result.malformed.count ? ", …" : ""))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep scan hits for the dedup stage: the next run drops or flags the items found.",
            discussion: """
            Reads hit files (JSON Lines, as `scan` and the datatrove pipeline write them; folders are \
            searched for .jsonl files). Every hit must name an item that reaches dedup. The hits of \
            each corpus the files name replace that corpus's earlier ones in \
            data/contamination/<pipeline>.jsonl; importing the same files again changes nothing.
            """)

        @OptionGroup var options: PipelineOptions
        @Argument(help: ArgumentHelp("Hit files, or folders of them.", valueName: "results"))
        var results: [String]

        func run() async throws {
            let (entries, _, layout) = try await BuildDataset.Contamination.entries(options)
            let known = Dictionary(entries.map { ($0.id, $0.contentHash) }, uniquingKeysWith: { first, _ in first })
            let store = layout.corpusHits
            do {
                var diagnostics = Diagnostics()
                var imported: [CorpusHit] = []
                var changed: Set<String> = []
                for file in try CorpusShard.find(results.map { URL(fileURLWithPath: $0) }, suffixes: [".jsonl"]).map(\.url) {
                    let name = file.path
                    let hits = try JSONLines.read(CorpusHit.self, from: file, displayName: name)
                    for (index, hit) in hits.enumerated() {
                        let location = SourceLocation(file: name, line: index + 1)
                        if known[hit.item] == nil {
                            diagnostics.error(location.with(field: "item"), "no item '\(hit.item)' reaches dedup in \(options.pipeline) (was the export made from another pipeline?)")
                        } else if known[hit.item] != hit.contentHash {
                            changed.insert(hit.item)
                        }
                        if hit.corpus.isEmpty || hit.corpus.contains(where: { $0.isWhitespace || $0 == ":" }) {
                            diagnostics.error(location.with(field: "corpus"), "must be a name without spaces or colons")
                        }
                        if hit.length < 1 || hit.ngrams < 1 { diagnostics.error(location.with(field: hit.length < 1 ? "length" : "ngrams"), "must be at least 1") }
                    }
                    imported += hits
                }
                try diagnostics.check()
                try FileManager.default.createDirectory(at: store.deletingLastPathComponent(), withIntermediateDirectories: true)
                let lock = try FileLock(url: store.deletingLastPathComponent().appendingPathComponent(".\(layout.pipelineName).lock"),
                                        exclusive: true, wait: true, busy: CommandError("another import is running"))
                defer { lock.release() }
                let earlier = FileManager.default.fileExists(atPath: store.path)
                    ? try JSONLines.read(CorpusHit.self, from: store, displayName: layout.relative(store)) : []
                let corpora = Set(imported.map(\.corpus))
                let merged = CorpusHit.canonical(earlier.filter { !corpora.contains($0.corpus) } + imported)
                let data = try JSONLines.encode(merged)
                let before = earlier.isEmpty ? nil : try? Data(contentsOf: store)
                if before == data {
                    print("no change: \(layout.relative(store)) already holds these hits")
                    return
                }
                try AtomicFiles.writeAndSync(data, to: store)
                for corpus in corpora.sorted() {
                    let hits = merged.filter { $0.corpus == corpus }
                    print("\(corpus): \(hits.count) hits, \(Set(hits.map(\.item)).count) items found")
                }
                print("kept in \(layout.relative(store)); the next `build-dataset run` reruns dedup and what follows")
                if !changed.isEmpty {
                    print("\(changed.count) items were changed after the export the scan read: their hits are kept but do not apply (export and scan again)")
                }
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}
