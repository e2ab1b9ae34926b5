public import Foundation
import DatasetCore

/// A copy of the package's example project (pipelines/ and raw/) in a temporary directory,
/// for tests that run a whole pipeline.
public struct ProjectCopy: Sendable {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public let directory: URL

    /// - Parameter schemas: copy the package's `schemas/` too, as a project made from this
    ///   repository has them (the tool's own checks apply where a project has none).
    public init(schemas: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("project-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for folder in ["pipelines", "raw"] + (schemas ? ["schemas"] : []) {
            try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent(folder),
                                             to: directory.appendingPathComponent(folder))
        }
    }

    private init(directory: URL) {
        self.directory = directory
    }

    /// A copy of this project as it is now, built outputs and review database included.
    public func duplicate() throws -> ProjectCopy {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("project-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: directory, to: copy)
        return ProjectCopy(directory: copy)
    }

    public var pipeline: URL { directory.appendingPathComponent("pipelines/example.yaml") }

    /// Every file under a folder of the project, with its SHA-256.
    public func snapshot(_ folder: String) throws -> [String: String] {
        let root = directory.appendingPathComponent(folder)
        var result: [String: String] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return result }
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { result[path] = try Hashing.sha256Hex(fileAt: root.appendingPathComponent(path)).sha256 }
        }
        return result
    }

    public func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(path))
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
