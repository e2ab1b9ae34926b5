public import Foundation
public import DatasetCore
public import Release
import SurveyIngest
public import Validation
public import Sampling
public import ReviewStore
public import Dedup
public import Pilot

/// A pipeline file (YAML): its sources, stage settings, seed, splits and release.
/// Format: `schemas/pipeline.schema.json`. Paths are relative to the project directory.
/// Each stage's settings are parsed beside that stage (`Stages/`).
public struct PipelineSpec: Sendable {
    public var file: String
    public var name: String
    public var seed: UInt64
    public var sources: [Source]
    public var validation: [ItemTask: ValidationRules]
    /// Rule actions for one source's items (`stages.validate.sources`), over its task's.
    public var validationBySource: [String: [String: RuleAction]]
    public var sampling: SamplingPlan
    public var splits: [SplitAssigner.Split]
    public var balanceAnswers: Bool
    /// A language's translations are released only with at least this many made or checked
    /// by people (`stages.release.min_human_verified`; Global-MMLU's 50 by default).
    public var minHumanVerified = 50
    /// Layouts of other benchmarks the release is also written in.
    public var exports: [ReleaseExport]
    /// Near-duplicate detection in the dedup stage; nil when the pipeline turns it off.
    public var nearDuplicates: NearDuplicateSettings?
    /// What near-duplicates do per task: survey items are reported, knowledge items dropped,
    /// unless the pipeline says otherwise.
    public var nearDuplicateActions: [ItemTask: NearDuplicateAction]
    /// Sources whose copy of a duplicate is kept first (`prefer_sources`); the others follow in
    /// pipeline order.
    public var preferSources: [String]
    /// Benchmarks that candidates must not copy; empty when none are named.
    public var contamination: Contamination
    public var review: ReviewPlan
    public var releaseName: String
    public var license: String
    public var description: String?
    /// What `pilot report` compares with and flags (the top-level `pilot`).
    public var pilot: PilotSettings
    /// The quality checks' thresholds and which block `release` (the top-level `quality`).
    public var quality = QualitySettings()
    /// Each section's text, canonicalized: the value of a `.settings` stage input.
    public var settingsText: [SettingsSection: String]

    /// Every file that sources name, as written in the pipeline file, in a stable order.
    public var inputPaths: [String] {
        sources.flatMap(\.paths) + contamination.benchmarks.map(\.path)
    }

    static let topKeys = ["name", "description", "seed", "inputs_outside_project", "sources", "stages", "pilot", "quality", "release"]
    static let stageKeys = ["validate", "dedup", "sample", "review", "release"]

    /// Parses and checks a pipeline file, reporting every problem (file, line, key) at once.
    /// With `projectDirectory`, every named file must exist there, and the project's
    /// `schemas/pipeline.schema.json` (if any) applies.
    public static func load(_ url: URL, displayName: String, projectDirectory: URL?) throws -> PipelineSpec {
        let root = try YAMLNode.load(url, displayName: displayName)
        var diagnostics = Diagnostics()
        let spec = parse(root, projectDirectory: projectDirectory, &diagnostics)
        // What the parser accepts, a project's (possibly tightened) schema may still refuse.
        if diagnostics.isEmpty, let projectDirectory, let spec,
           let schema = try SchemaCheck.load(ProjectLayout(root: projectDirectory, pipelineName: spec.name).schema(.pipeline),
                                             displayName: SchemaFile.pipeline.path) {
            for error in schema.check(root) { diagnostics.append(error) }
        }
        try diagnostics.check()
        return spec!
    }

    static func parse(_ root: YAMLNode, projectDirectory: URL?, _ d: inout Diagnostics) -> PipelineSpec? {
        guard let top = root.mapping(&d) else { return nil }
        top.rejectUnknownKeys(allowed: topKeys, &d)
        let name = top.required("name", &d)?.string(&d)
        if let name, name.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]*/) == nil {
            d.error(top["name"]!.location, "name '\(name)' must be letters, digits, '.', '_' or '-' (it names a folder)")
        }
        var seed: UInt64?
        if let seedNode = top.required("seed", &d), let value = seedNode.int(&d, in: 0...Int.max) {
            seed = UInt64(value)
        }

        let outsideFolders = ProjectFiles.outsideFolders(top["inputs_outside_project"], &d)
        let files = projectDirectory.map { ProjectFiles(directory: $0, outsideFolders: outsideFolders) }
        var sources: [Source] = []
        var seenIDs: Set<String> = []
        for node in top.required("sources", &d)?.sequence(&d) ?? [] {
            guard let source = Source.parse(node, files: files, &d) else { continue }
            if !seenIDs.insert(source.id).inserted {
                d.error(node.location.with(field: "\(node.path).id"), "source id '\(source.id)' is used twice")
            }
            sources.append(source)
        }
        if sources.isEmpty, top["sources"] != nil { d.error(top["sources"]!.location, "a pipeline needs at least one source") }

        var stages: YAMLMapping?
        if let stagesNode = top["stages"] {
            stages = stagesNode.mapping(&d)
            stages?.rejectUnknownKeys(allowed: stageKeys, &d)
        }
        let validation = parseValidate(stages?["validate"], &d)
        let validationBySource = parseValidationBySource(stages?["validate"], sources: sources.map(\.id), &d)
        var nearDuplicates: NearDuplicateSettings? = NearDuplicateSettings()
        var contamination = Contamination()
        var nearDuplicateActions = defaultNearDuplicateActions
        var preferred: [String] = []
        if let dedup = stages?["dedup"]?.mapping(&d) {
            nearDuplicates = parseDedup(dedup, &d)
            if let node = dedup["contamination"] { contamination = parseContamination(node, files: files, &d) }
            nearDuplicateActions = parseDedupTasks(dedup, &d)
            if let node = dedup["prefer_sources"], let ids = node.strings(&d) {
                for id in ids where !sources.contains(where: { $0.id == id }) {
                    d.error(node.location, "prefer_sources names '\(id)', which is not a source of this pipeline")
                }
                preferred = ids
            }
        }
        if nearDuplicates == nil { nearDuplicateActions = [.socialValue: .off, .commonKnowledge: .off] }
        let sampling = stages?["sample"]?.mapping(&d).map { parseSampling($0, &d) } ?? SamplingPlan()
        let review = stages?["review"].map { parseReview($0, files: files, &d) } ?? ReviewPlan()
        let (splits, balanceAnswers, exports) = parseReleaseStage(stages?["release"], &d)
        var minHumanVerified = 50
        if let node = stages?["release"]?.mappingIfMapping(&d)?["min_human_verified"], let value = node.int(&d) {
            if value < 0 { d.error(node.location, "min_human_verified must not be negative") } else { minHumanVerified = value }
        }
        let (releaseName, license) = parseRelease(top.required("release", &d), &d)
        let description = top["description"]?.string(&d)
        let pilot = parsePilot(top["pilot"], &d)
        let quality = parseQuality(top["quality"], &d)

        var settingsText: [SettingsSection: String] = [:]
        settingsText[.sources] = top["sources"]?.canonicalText
        for section in [SettingsSection.validate, .dedup, .sample, .review] {
            settingsText[section] = stages?[String(section.rawValue.dropFirst("stages.".count))]?.canonicalText
        }
        settingsText[.release] = [stages?["release"], top["release"], top["description"], top["quality"]].map { $0?.canonicalText ?? "-" }
            .joined(separator: "\n")

        guard d.isEmpty, let name, let seed, let releaseName, let license else { return nil }
        var spec = PipelineSpec(file: root.file, name: name, seed: seed, sources: sources, validation: validation,
                                validationBySource: validationBySource,
                                sampling: sampling, splits: splits, balanceAnswers: balanceAnswers, exports: exports, nearDuplicates: nearDuplicates,
                                nearDuplicateActions: nearDuplicateActions, preferSources: preferred,
                                contamination: contamination, review: review, releaseName: releaseName, license: license,
                                description: description, pilot: pilot, quality: quality, settingsText: settingsText)
        spec.minHumanVerified = minHumanVerified
        return spec
    }
}

extension YAMLNode {
    /// The node as a mapping if it is one; nil (and no error) otherwise.
    func mappingIfMapping(_ diagnostics: inout Diagnostics) -> YAMLMapping? {
        var scratch = Diagnostics()
        let mapping = self.mapping(&scratch)
        return scratch.isEmpty ? mapping : nil
    }
}

