import Foundation
import Testing
import FuzzTargets

/// Every seed and every input `fuzz-readers` once found to trap, hang or run away, read again by
/// its target's readers: each must be read or refused, within a time bound.
@Suite struct FuzzRegressionTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    static var inputs: [(target: String, file: String)] {
        FuzzTarget.all.flatMap { target in
            let folder = corpus.appendingPathComponent(target.name)
            let files = (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
                .filter { !$0.hasDirectoryPath }
            return files.map { (target: target.name, file: $0.path.replacingOccurrences(of: corpus.path + "/", with: "")) }.sorted { $0.file < $1.file }
        }
    }

    @Test func everyTargetHasSeeds() {
        for target in FuzzTarget.all {
            #expect(Self.inputs.contains { $0.target == target.name }, "no seeds for \(target.name)")
        }
    }

    @Test(arguments: inputs.map { "\($0.target)|\($0.file)" })
    func eachInputIsReadOrRefusedQuickly(_ entry: String) throws {
        let parts = entry.split(separator: "|").map(String.init)
        let target = try #require(FuzzTarget.all.first { $0.name == parts[0] })
        let data = try Data(contentsOf: Self.corpus.appendingPathComponent(parts[1]))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-regression-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let start = Date()
        target.run(data, scratch: scratch)
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
