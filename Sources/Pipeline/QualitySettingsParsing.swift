import DatasetCore
import Release

extension PipelineSpec {
    static let qualityKeys = ["checks", "template_similarity", "diversity_sample"]

    /// The top-level `quality`: per check a threshold and whether a failure blocks `release`;
    /// the template similarity and the diversity sample. Defaults: `QualityDossier.Check.Kind.rule`.
    static func parseQuality(_ node: YAMLNode?, _ d: inout Diagnostics) -> QualitySettings {
        var settings = QualitySettings()
        guard let quality = node?.mapping(&d) else { return settings }
        quality.rejectUnknownKeys(allowed: qualityKeys, &d)
        if let checks = quality["checks"]?.mapping(&d) {
            checks.rejectUnknownKeys(allowed: QualityDossier.Check.Kind.allCases.map(\.rawValue), &d)
            for kind in QualityDossier.Check.Kind.allCases {
                guard let entry = checks[kind.rawValue]?.mapping(&d) else { continue }
                entry.rejectUnknownKeys(allowed: ["threshold", "block"], &d)
                var override = QualitySettings.Override()
                if let node = entry["threshold"], let value = node.double(&d) {
                    if !(0...1).contains(value) { d.error(node.location, "threshold must be between 0 and 1") } else { override.threshold = value }
                }
                if let value = entry["block"]?.bool(&d) { override.block = value }
                settings.checks[kind] = override
            }
        }
        if let node = quality["template_similarity"], let value = node.double(&d) {
            if (0...1).contains(value) { settings.templateSimilarity = value } else { d.error(node.location, "must be between 0 and 1") }
        }
        if let value = quality["diversity_sample"]?.int(&d, in: 2...5_000) { settings.diversitySample = value }
        return settings
    }
}
