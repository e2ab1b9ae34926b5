import ArgumentParser
import Foundation
import DatasetCore
import Pipeline
import Statistics
import SurveyIngest


extension BuildDataset {
    struct Survey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan a survey's sample, or see what weighting does to a pipeline's survey answers.",
            subcommands: [Plan.self, Weigh.self]
        )
    }
}

extension BuildDataset.Survey {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The sample size and the quota per stratum a survey team must field.",
            discussion: """
            The population file is a CSV with a `stratum` and a `population` column, and for Neyman \\
            allocation an `sd` column (the spread of the answer within the stratum; sqrt(p(1−p)) for a \\
            share). The total is n0 = z²·p(1−p)·deff/e², corrected for the finite population \\
            (n = n0 / (1 + (n0−1)/N)); it is split over the strata proportionally (n_h ∝ N_h), by \\
            Neyman (n_h ∝ N_h·S_h) or equally, rounded by largest remainder so the quotas sum to n.
            """
        )

        @Option(help: ArgumentHelp("CSV of strata: stratum, population[, sd].", valueName: "file"))
        var population: String

        @Option(help: "The margin of error wanted, as a proportion (0.03 = ±3 points).")
        var margin: Double = 0.03

        @Option(help: "The confidence level.")
        var confidence: Double = 0.95

        @Option(help: "The expected share (0.5 is the most conservative).")
        var p: Double = 0.5

        @Option(help: "The design effect expected from weighting and clustering.")
        var designEffect: Double = 1

        @Option(help: ArgumentHelp("How to split the sample over strata.", valueName: "method"))
        var allocation: Allocation.Method = .proportional

        func validate() throws {
            // Below ±0.1 point or above a design effect of 100 the sample outnumbers any population.
            guard margin >= 0.001, margin < 0.5 else { throw ValidationError("--margin must be from 0.001 to below 0.5") }
            guard confidence > 0.5, confidence < 1 else { throw ValidationError("--confidence must be between 0.5 and 1") }
            guard p > 0, p < 1 else { throw ValidationError("-p must be between 0 and 1") }
            guard designEffect >= 1, designEffect <= 100 else { throw ValidationError("--design-effect must be from 1 to 100") }
        }

        func run() throws {
            let strata: [(name: String, population: Double, sd: Double?)]
            do {
                strata = try readStrata()
            } catch {
                throw reportAndExit(error)
            }
            let total = strata.map(\.population).reduce(0, +)
            let n = SurveyMath.sampleSize(margin: margin, confidence: confidence, p: p, designEffect: designEffect, populationSize: total)
            let quotas = Allocation.allocate(total: n, populations: strata.map(\.population),
                                             deviations: allocation == .neyman ? strata.map { $0.sd! } : nil, method: allocation)
            print("sample size: \(n) (margin ±\(format(margin * 100)) points at \(format(confidence * 100))%, p = \(format(p)), design effect \(format(designEffect)), N = \(Int(total)))")
            print("allocation: \(allocation.rawValue)")
            let width = max(7, strata.map { displayWidth($0.name) }.max() ?? 0)
            print("  \(padRight("stratum", width))  population   share  quota  margin in stratum")
            for (stratum, quota) in zip(strata, quotas) {
                let withinMargin = SurveyMath.marginOfError(p: p, n: Double(quota), designEffect: designEffect, confidence: confidence,
                                                            populationSize: stratum.population)
                print("  \(padRight(stratum.name, width))  \(pad(String(Int(stratum.population)), 10))  \(pad(format(stratum.population / total * 100) + "%", 6))  \(pad(String(quota), 5))  ±\(format(withinMargin * 100)) points")
            }
        }

        func readStrata() throws -> [(name: String, population: Double, sd: Double?)] {
            let table = try CSVTable(contentsOf: URL(fileURLWithPath: population), displayName: population)
                .withHeader(required: ["stratum", "population"] + (allocation == .neyman ? ["sd"] : []))
            var diagnostics = Diagnostics()
            var strata: [(String, Double, Double?)] = []
            for row in table.rows {
                let text = table.value(row, "population")
                guard let count = Double(text.replacingOccurrences(of: ",", with: "")), count.isFinite, count > 0 else {
                    diagnostics.error(table.location(row, "population"), "population '\(text)' is not a positive number")
                    continue
                }
                guard count <= SurveyCount.maximum else {
                    diagnostics.error(table.location(row, "population"), SurveyCount.tooLarge(text))
                    continue
                }
                var sd: Double?
                if table.index(of: "sd") != nil {
                    let sdText = table.value(row, "sd")
                    guard let value = Double(sdText), value.isFinite, value >= 0 else {
                        diagnostics.error(table.location(row, "sd"), "sd '\(sdText)' is not a number of at least 0")
                        continue
                    }
                    sd = value
                }
                strata.append((table.value(row, "stratum"), count, sd))
            }
            if table.rows.isEmpty { diagnostics.error(SourceLocation(file: population, line: 1), "no strata") }
            try diagnostics.check()
            return strata
        }
    }

    struct Weigh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, per question, the raw and weighted distributions, n_eff and the margin of error.",
            discussion: """
            For each survey source of the pipeline, prints how its answers were weighted (raking to \\
            the margins, post-stratification on one dimension, or none) and, per question, the \\
            unweighted and weighted shares of each option, n, Kish's effective sample size, the design \\
            effect and the margin of error of the modal share. Nothing is written.
            """
        )

        @OptionGroup var options: PipelineOptions

        func run() async throws {
            let runner = try options.loadRunner()
            let spec = runner.spec
            do {
                let surveys = spec.sources.filter { $0.kind == .survey }
                if surveys.isEmpty { print("\(options.pipeline) has no survey sources") }
                for source in surveys {
                    let read = try runner.surveyData(source)
                    let surveySource = SurveySource(sourceID: source.id, data: read.data, margins: read.margins, language: source.language,
                                                    subject: source.subject, license: source.license, revision: "", settings: source.survey)
                    print("source \(source.id) (\(source.format?.rawValue ?? "long"), \(read.data.questionnaire.questions.count) questions)")
                    for note in read.data.notes { print("  note: \(note)") }
                    for question in read.data.questionnaire.questions where read.data.hasAnswers(question.id) {
                        let text = question.texts[source.language] ?? question.texts.values.sorted().first ?? ""
                        print("  \(question.id)  \(text)")
                        do {
                            let weighed = try SocialValueBuilder.weigh(question, in: surveySource)
                            let deff = weighed.nEffective > 0 ? Double(weighed.n) / weighed.nEffective : .nan
                            var line = "    n \(weighed.n)  n_eff \(format(weighed.nEffective))  deff \(format(deff))  margin ±\(format(weighed.marginOfError * 100)) points  \(weighed.weighting)"
                            if let iterations = weighed.rakingIterations { line += " in \(iterations) iterations" }
                            print(line)
                            for (index, option) in question.scale.options.enumerated() {
                                let label = option.labels[source.language] ?? option.code
                                print("    \(Item.letter(index)) \(pad(format(weighed.rawShares[index] * 100), 6))% → \(pad(format(weighed.shares[index] * 100), 6))%  \(label)")
                            }
                        } catch let failure as WeightingFailure {
                            print("    cannot be weighted: \(failure.message)")
                        }
                    }
                }
            } catch {
                throw reportAndExit(error)
            }
        }
    }
}

private func format(_ value: Double) -> String {
    guard value.isFinite else { return "–" }
    let rounded = (value * 100).rounded() / 100
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
}

/// Right-aligns `text` in `width` terminal columns.
private func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - displayWidth(text))) + text
}

/// Left-aligns `text` in `width` terminal columns.
private func padRight(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - displayWidth(text)))
}

/// Terminal columns a text takes: Hangul, CJK ideographs and full-width forms take two.
private func displayWidth(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { width, scalar in
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6:
            return width + 2
        default:
            return width + (scalar.properties.generalCategory == .nonspacingMark ? 0 : 1)
        }
    }
}
