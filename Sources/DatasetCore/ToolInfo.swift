import Foundation

/// The tool's own identity, part of every stage's cache key and of every release manifest.
public enum ToolInfo {
    public static let name = "build-dataset"
    public static let version = "0.1.0"

    /// The version plus the running executable's size and modification time, so that a rebuilt
    /// tool never reuses stage outputs made by an older build of the same version.
    public static let buildIdentity: String = {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue,
              let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 else { return version }
        return "\(version)+\(size).\(Int(modified))"
    }()
}
