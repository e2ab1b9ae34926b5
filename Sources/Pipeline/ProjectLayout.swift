public import Foundation

/// Where everything of a project lives: the one place that spells out its folders.
///
///     pipelines/<file>.yaml          the pipeline files
///     raw/…                          inputs, as the pipeline file names them
///     schemas/<file>                 the project's copies of the formats (a curator may tighten them)
///     build/<pipeline>/<stage>/      each stage's output, with stage.json
///     data/review/<pipeline>.sqlite  the review database
///     data/contamination/<pipeline>.jsonl  imported corpus contamination hits
///     releases/<release>/<version>/  published releases
public struct ProjectLayout: Sendable {
    public let root: URL
    /// The pipeline's name (`name:` in its file), which names its build folder and review database.
    public let pipelineName: String

    public init(root: URL, pipelineName: String) {
        self.root = root.standardizedFileURL
        self.pipelineName = pipelineName
    }

    /// A path of the project, as pipeline files write them (relative to the project).
    public func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    public var buildDirectory: URL { root.appendingPathComponent("build").appendingPathComponent(pipelineName) }

    public func stageDirectory(_ stage: StageName) -> URL { buildDirectory.appendingPathComponent(stage.rawValue) }

    public func stageFile(_ stage: StageName, _ file: StageFile) -> URL {
        stageDirectory(stage).appendingPathComponent(file.rawValue)
    }

    /// The release candidate: the release stage's output.
    public var candidateDirectory: URL { stageDirectory(.release) }

    /// The lock that one run of the pipeline holds on its build folder.
    var lockFile: URL { buildDirectory.appendingPathComponent(".lock") }

    public var reviewDatabase: URL {
        root.appendingPathComponent("data").appendingPathComponent("review").appendingPathComponent("\(pipelineName).sqlite")
    }

    /// Corpus contamination hits `contamination import` keeps for the dedup stage.
    public var corpusHits: URL {
        root.appendingPathComponent("data").appendingPathComponent("contamination").appendingPathComponent("\(pipelineName).jsonl")
    }

    public var releasesRoot: URL { root.appendingPathComponent("releases") }

    public var schemasDirectory: URL { root.appendingPathComponent("schemas") }

    public func schema(_ file: SchemaFile) -> URL { schemasDirectory.appendingPathComponent(file.rawValue) }

    /// A path relative to the project when it is inside it, for messages.
    public func relative(_ url: URL) -> String {
        let base = root.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }
}

/// The schema files a project may keep in `schemas/`; the tool's own checks apply where it has none.
public enum SchemaFile: String, Sendable, CaseIterable, Codable {
    case questionnaire = "questionnaire.schema.json"
    case tallies = "tallies.schema.json"
    case microdata = "microdata.schema.json"
    case margins = "margins.schema.json"
    case censusMapping = "census-mapping.schema.json"
    case authoredItems = "authored-items.xsd"
    case item = "item.schema.json"
    case pipeline = "pipeline.schema.json"

    /// As messages name it.
    public var path: String { "schemas/\(rawValue)" }
}

/// The files stages write into their folders under `build/<pipeline>/`.
public enum StageFile: String, Sendable, CaseIterable, Codable {
    case items = "items.jsonl"
    /// Items set aside, each with its reason.
    case dropped = "dropped.jsonl"
    case passages = "passages.jsonl"
    /// Social-value items' respondents against the population, before and after weighting.
    case surveyWeighting = "survey_weighting.jsonl"
    case clusters = "clusters.jsonl"
    case contamination = "contamination.jsonl"
    /// Imported corpus hits and what was done with each.
    case corpusContamination = "corpus_contamination.jsonl"
    case selection = "selection.jsonl"
    case shortfall = "shortfall.jsonl"
}
