import Foundation
import Testing
import DatasetCore

/// The built `build-dataset` binary, run as a real process.
enum Binary {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var url: URL {
        get throws {
            var candidates: [URL] = []
            candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
            candidates.append(Bundle.main.bundleURL)
            candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
            candidates.append(packageRoot.appendingPathComponent(".build/debug"))
            for directory in candidates {
                let binary = directory.appendingPathComponent("build-dataset")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
            }
            throw BinaryNotFound(searched: candidates.map(\.path))
        }
    }

    struct BinaryNotFound: Error { var searched: [String] }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        let process = try start(arguments, in: directory)
        let stdout = process.standardOutput as! Pipe, stderr = process.standardError as! Pipe
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
                      stderr: String(decoding: error, as: UTF8.self))
    }

    static func start(_ arguments: [String], in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = try url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }
}

/// A copy of the package's example project (pipelines/ and raw/) in a temporary directory.
struct ProjectCopy {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for folder in ["pipelines", "raw"] {
            try FileManager.default.copyItem(at: Binary.packageRoot.appendingPathComponent(folder),
                                             to: directory.appendingPathComponent(folder))
        }
    }

    func snapshot(_ folder: String) throws -> [String: String] {
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

    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(path))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
