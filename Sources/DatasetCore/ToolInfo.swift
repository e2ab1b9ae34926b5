/// The tool's own identity, part of every stage's cache key and of every release manifest.
public enum ToolInfo {
    public static let name = "build-dataset"
    public static let version = "0.1.0"
}
