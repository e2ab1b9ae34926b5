public import Foundation
public import DatasetCore

/// The latest published version of a release: what its items were, so that a new version can
/// keep their splits and choice order (and, later, report the difference).
public struct PublishedRelease: Sendable {
    public var version: String
    public var directory: URL
    public var manifestSHA256: String
    let displayName: String

    /// The published items with their splits (publishing compares them with the candidate's).
    public func items() throws -> [(item: Item, split: String)] {
        try ReleaseContents.items(in: directory, displayName: displayName)
    }

    /// What a new version keeps of the published one: each item's split and choice order.
    public struct Placements: Sendable {
        /// Item id → its split.
        public var splits: [String: String] = [:]
        /// Item id → its choices in published order.
        public var choices: [String: [String]] = [:]

        public init() {}
    }

    /// Each published item's split and choice order, read when asked for (a run whose release
    /// stage is reused needs only the manifest's hash). The files are read a block at a time and
    /// only these kept: holding every published item whole took 0.3 GB at half a million.
    public func placements() throws -> Placements {
        var placements = Placements()
        try ReleaseContents.eachFile(in: directory, displayName: displayName) { file, items in
            // An id in two files keeps its first place, as the files are listed.
            for item in items {
                if placements.splits[item.id] == nil { placements.splits[item.id] = file.split }
                if placements.choices[item.id] == nil { placements.choices[item.id] = item.choices }
            }
        }
        return placements
    }

    /// The highest semantic version under `releasesRoot/<name>/`, or nil if none is published.
    public static func latest(name: String, releasesRoot: URL) throws -> PublishedRelease? {
        let folder = releasesRoot.appendingPathComponent(name)
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .compactMap { name in SemanticVersion(name).map { ($0, name) } }
        guard let (_, version) = versions.max(by: { $0.0 < $1.0 }) else { return nil }
        let directory = folder.appendingPathComponent(version)
        let manifestURL = directory.appendingPathComponent("manifest.json")
        // This tool renames a version into place whole; a folder without its manifest was left
        // by an interrupted publish of an older build-dataset.
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw InputError(file: "\(name)/\(version)", "the published version has no manifest.json: it was left half-published "
                             + "(an interrupted publish of an older build-dataset); move the folder \(directory.path) aside and publish again")
        }
        return PublishedRelease(version: version, directory: directory,
                                manifestSHA256: try Hashing.sha256Hex(fileAt: manifestURL).sha256,
                                displayName: "\(name)/\(version)")
    }
}

/// MAJOR.MINOR.PATCH with an optional pre-release, ordered as semver orders them.
public struct SemanticVersion: Comparable, Sendable {
    public var major: Int
    public var minor: Int
    public var patch: Int
    public var prerelease: String?

    public init?(_ text: String) {
        guard let match = text.wholeMatch(of: /(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?/),
              let major = Int(match.1), let minor = Int(match.2), let patch = Int(match.3) else { return nil }
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = match.4.map(String.init)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        switch (lhs.prerelease, rhs.prerelease) {
        case (nil, nil), (nil, _?): return false
        case (_?, nil): return true
        case (let a?, let b?): return a < b
        }
    }
}
