import Foundation
import Testing
@testable import DatasetCore

@Suite struct AtomicFilesTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writeReplacesWholeAndLeavesNoTemporaryFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.txt")
        try AtomicFiles.write(Data("one".utf8), to: url)
        try AtomicFiles.write(Data("two".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.txt"])
    }

    @Test func renameNoReplaceRefusesAnExistingTarget() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = directory.appendingPathComponent("a"), b = directory.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: a, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: true)
        try Data("kept".utf8).write(to: b.appendingPathComponent("f"))
        #expect(try AtomicFiles.renameNoReplace(a, to: b) == false)
        #expect(FileManager.default.fileExists(atPath: a.path))
        #expect(try AtomicFiles.renameNoReplace(a, to: directory.appendingPathComponent("c")))
    }

    @Test func replaceDirectorySwapsInTheStagedOne() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("stage")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: target.appendingPathComponent("items.jsonl"))
        let staged = try AtomicFiles.stagingDirectory(for: target)
        try Data("new".utf8).write(to: staged.appendingPathComponent("items.jsonl"))
        try AtomicFiles.replaceDirectory(target, with: staged)
        #expect(try String(contentsOf: target.appendingPathComponent("items.jsonl"), encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["stage"])
    }
}
