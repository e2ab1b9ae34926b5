import DatasetCore
import Pilot

extension PipelineSpec {
    static let pilotKeys = ["reference_scores", "bootstrap_resamples", "flags", "irt_min_models", "information_items"]
    static let pilotFlagKeys = ["too_easy", "too_hard", "min_discrimination", "dead_distractor_share", "min_models"]

    /// The top-level `pilot`: reference scores, bootstrap resamples, flag thresholds, the 2PL's
    /// fewest models and the information split's size. Defaults: `PilotSettings`.
    static func parsePilot(_ node: YAMLNode?, _ d: inout Diagnostics) -> PilotSettings {
        var settings = PilotSettings()
        guard let pilot = node?.mapping(&d) else { return settings }
        pilot.rejectUnknownKeys(allowed: pilotKeys, &d)
        func share(_ node: YAMLNode?, in range: ClosedRange<Double> = 0...1) -> Double? {
            guard let node, let value = node.double(&d) else { return nil }
            guard range.contains(value) else {
                d.error(node.location, "must be between \(range.lowerBound) and \(range.upperBound)")
                return nil
            }
            return value
        }
        if let scores = pilot["reference_scores"]?.mapping(&d) {
            scores.rejectUnknownKeys(allowed: ItemTask.allCases.map(\.rawValue), &d)
            for task in ItemTask.allCases {
                if let value = share(scores[task.rawValue]) { settings.referenceScores[task] = value }
            }
        }
        if let value = pilot["bootstrap_resamples"]?.int(&d, in: 100...100_000) { settings.resamples = value }
        if let flags = pilot["flags"]?.mapping(&d) {
            flags.rejectUnknownKeys(allowed: pilotFlagKeys, &d)
            if let value = share(flags["too_easy"]) { settings.tooEasy = value }
            if let value = share(flags["too_hard"]) { settings.tooHard = value }
            if let value = share(flags["min_discrimination"], in: -1...1) { settings.minDiscrimination = value }
            if let value = share(flags["dead_distractor_share"]) { settings.deadDistractorShare = value }
            if let value = flags["min_models"]?.int(&d, in: 1...1_000_000) { settings.minModelsForFlags = value }
        }
        if let value = pilot["irt_min_models"]?.int(&d, in: 2...1_000_000) { settings.minModelsForIRT = value }
        if let value = pilot["information_items"]?.int(&d, in: 1...10_000_000) { settings.informationItems = value }
        return settings
    }
}
