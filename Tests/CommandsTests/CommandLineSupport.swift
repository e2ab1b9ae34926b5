import Foundation
import Testing
import DatasetCore
@_exported import TestSupport

/// The built `build-dataset` binary, run as a real process.
enum Binary {
    static let packageRoot = ProjectCopy.packageRoot

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
