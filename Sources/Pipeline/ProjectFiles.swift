public import Foundation
import DatasetCore

/// Where a pipeline's input files may be: inside the project, after links are resolved, or in
/// a folder outside it that the pipeline names under `inputs_outside_project`. An input reached
/// through a link to anywhere else is refused: it would be neither copied with the project nor
/// trusted to stay as hashed.
public struct ProjectFiles: Sendable {
    public var directory: URL
    /// Absolute folders, links resolved, that inputs may lead into.
    public var outsideFolders: [URL]

    public init(directory: URL, outsideFolders: [URL] = []) {
        self.directory = directory
        self.outsideFolders = outsideFolders.map { $0.resolvingSymlinksInPath().standardizedFileURL }
    }

    public func url(_ path: String) -> URL { directory.appendingPathComponent(path) }

    /// What is wrong with the input file at `path` (relative to the project), or nil.
    public func problem(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url(path).path, isDirectory: &isDirectory)
        guard exists, !isDirectory.boolValue else { return exists ? "'\(path)' is a directory, not a file" : "file '\(path)' does not exist" }
        let target = url(path).resolvingSymlinksInPath().standardizedFileURL.path
        let allowed = [directory.resolvingSymlinksInPath().standardizedFileURL] + outsideFolders
        if allowed.contains(where: { target.hasPrefix($0.path.hasSuffix("/") ? $0.path : $0.path + "/") }) { return nil }
        return "'\(path)' leads to \(target), outside the project (a link to a file elsewhere is not read; name its folder under inputs_outside_project to allow it)"
    }

    /// Reads `inputs_outside_project`: absolute paths of existing folders.
    static func outsideFolders(_ node: YAMLNode?, _ d: inout Diagnostics) -> [URL] {
        guard let node else { return [] }
        return (node.sequence(&d) ?? []).compactMap { entry in
            guard let text = entry.string(&d) else { return nil }
            var isDirectory: ObjCBool = false
            guard text.hasPrefix("/"), FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory), isDirectory.boolValue, text != "/" else {
                d.error(entry.location, "'\(text)' is not an absolute path of an existing folder (other than /)")
                return nil
            }
            return URL(fileURLWithPath: text)
        }
    }
}
