public import Foundation
import DatasetCore

/// The version of the manifest format.
public let manifestSchemaVersion = "1.0.0"

/// `manifest.json` of a release: what every file holds and hashes to, and what it was built from.
public struct ReleaseManifest: Codable, Sendable, Equatable {
    public struct DataFile: Codable, Sendable, Equatable {
        public var path: String
        public var config: String
        public var split: String
        public var records: Int
        public var bytes: Int
        public var sha256: String

        public init(path: String, config: String, split: String, records: Int, bytes: Int, sha256: String) {
            self.path = path
            self.config = config
            self.split = split
            self.records = records
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    public struct Input: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String

        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    /// A file of a release that is not data (the changelog, the dataset card).
    public struct Document: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var sha256: String

        public init(path: String, bytes: Int, sha256: String) {
            self.path = path
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// One corpus the items were checked against by n-gram overlap, and what was found.
    public struct CorpusCheck: Codable, Sendable, Equatable {
        public var corpus: String
        /// Items found in at least one of its documents.
        public var itemsFound: Int
        /// `dropped` or `flagged`.
        public var action: String
        public var documents: Int

        public init(corpus: String, itemsFound: Int, action: String, documents: Int) {
            self.corpus = corpus
            self.itemsFound = itemsFound
            self.action = action
            self.documents = documents
        }

        enum CodingKeys: String, CodingKey {
            case corpus, itemsFound = "items_found", action, documents
        }
    }

    /// Items a pilot flagged and sent to a review round, and how the round settled them.
    public struct PilotReview: Codable, Sendable, Equatable {
        /// What the pilot ran on: `release <version>` or `candidate <hash>`.
        public var target: String
        public var round: String
        public var sent: Int
        public var approved: Int
        public var rejected: Int
        public var pending: Int
        /// Of those sent, how many a reviewer revised.
        public var revised: Int
        /// Items sent per flag (an item can have several).
        public var flags: [String: Int]

        public init(target: String, round: String, sent: Int, approved: Int, rejected: Int, pending: Int, revised: Int, flags: [String: Int]) {
            self.target = target
            self.round = round
            self.sent = sent
            self.approved = approved
            self.rejected = rejected
            self.pending = pending
            self.revised = revised
            self.flags = flags
        }
    }

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
    }

    public var name: String
    /// Null in a release candidate; set when the candidate is published.
    public var version: String?
    public var license: String
    public var pipeline: String
    public var pipelineSHA256: String
    public var inputs: [Input]
    public var reviewStateSHA256: String?
    /// The review audit chain's head when the version was published (`seq:hash`); nil in a candidate.
    public var reviewAuditHead: String?
    public var files: [DataFile]
    public var documents: [Document] = []
    /// The pretraining corpora the items were checked against (absent when none was).
    public var corpusContamination: [CorpusCheck]?
    /// Items a pilot flagged for another review (absent when none were sent).
    public var pilotReview: [PilotReview]?
    /// Per language of translations: items of each origin, those people made or checked, and
    /// whether the language is released (absent without translations).
    public var translations: [ParallelRelease.LanguageCount]?
    public var tool: Tool
    public var itemSchemaVersion: String
    public var schemaVersion: String

    enum CodingKeys: String, CodingKey {
        case name, version, license, pipeline
        case pipelineSHA256 = "pipeline_sha256"
        case inputs
        case reviewStateSHA256 = "review_state_sha256"
        case reviewAuditHead = "review_audit_head"
        case files, documents, tool
        case corpusContamination = "corpus_contamination"
        case pilotReview = "pilot_review"
        case translations
        case itemSchemaVersion = "item_schema_version"
        case schemaVersion = "schema_version"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(version, forKey: .version)
        try container.encode(license, forKey: .license)
        try container.encode(pipeline, forKey: .pipeline)
        try container.encode(pipelineSHA256, forKey: .pipelineSHA256)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(reviewStateSHA256, forKey: .reviewStateSHA256)
        try container.encode(reviewAuditHead, forKey: .reviewAuditHead)
        try container.encode(files, forKey: .files)
        try container.encode(documents, forKey: .documents)
        try container.encode(tool, forKey: .tool)
        try container.encodeIfPresent(corpusContamination, forKey: .corpusContamination)
        try container.encodeIfPresent(pilotReview, forKey: .pilotReview)
        try container.encodeIfPresent(translations, forKey: .translations)
        try container.encode(itemSchemaVersion, forKey: .itemSchemaVersion)
        try container.encode(schemaVersion, forKey: .schemaVersion)
    }

    /// Pretty, key-sorted JSON with a final newline: stable bytes for the same content.
    public func encoded() throws -> Data {
        try JSONLines.prettyDocument(self)
    }

    public static func read(from url: URL) throws -> ReleaseManifest {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw InputError(file: url.path, "cannot read the manifest: \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(ReleaseManifest.self, from: data)
        } catch let error as DecodingError {
            throw InputError(SourceLocation(file: url.path), error)
        }
    }
}
