import Foundation
import Testing

@Suite struct SurveyCommandTests {
    @Test func planGivesTheSampleSizeAndQuotasPerStratum() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        try project.write("stratum,population,sd\n수도권,17985966,0.5\n충청·호남,7540246,0.45\n영남,9718962,0.4\n강원·제주,1520200,0.5\n",
                          to: "strata.csv")
        let proportional = try Binary.run(["survey", "plan", "--population", "strata.csv", "--margin", "0.03"], in: project.directory)
        #expect(proportional.status == 0, "\(proportional.stderr)")
        let lines = proportional.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "sample size: 1068 (margin ±3 points at 95%, p = 0.50, design effect 1, N = 36765374)")
        let quotas = lines.dropFirst(3).map { $0.split(separator: " ").filter { !$0.isEmpty }[3] }
        #expect(quotas == ["523", "219", "282", "44"])

        let neyman = try Binary.run(["survey", "plan", "--population", "strata.csv", "--allocation", "neyman"], in: project.directory)
        let neymanQuotas = neyman.stdout.split(separator: "\n").dropFirst(3).map { $0.split(separator: " ").filter { !$0.isEmpty }[3] }
        // n_h ∝ N_h·S_h: the less variable 영남 gets fewer than its population share.
        #expect(neymanQuotas.compactMap { Int($0) }.reduce(0, +) == 1068)
        #expect(Int(neymanQuotas[2])! < 282)
    }

    @Test func planReportsBadStrataWithLineAndField() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        try project.write("stratum,population\na,100\nb,lots\n", to: "strata.csv")
        let result = try Binary.run(["survey", "plan", "--population", "strata.csv"], in: project.directory)
        #expect(result.status == 1)
        #expect(result.stderr == "error: strata.csv:3: 'population': population 'lots' is not a positive number\n")
        let neyman = try Binary.run(["survey", "plan", "--population", "strata.csv", "--allocation", "neyman"], in: project.directory)
        #expect(neyman.stderr.contains("strata.csv:1: 'sd': missing column"))
        let method = try Binary.run(["survey", "plan", "--population", "strata.csv", "--allocation", "random"], in: project.directory)
        #expect(method.status != 0)
        #expect(method.stderr.contains("'random' is invalid for '--allocation") && method.stderr.contains("'proportional', 'neyman' or 'equal'"))
    }

    @Test func weighShowsRawAndWeightedSharesPerQuestion() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let result = try Binary.run(["survey", "weigh"], in: project.directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("source social-values (long, 7 questions)\n"))
        #expect(result.stdout.contains("  SV001  나이 든 부모를 부양하는 것은 자녀의 의무이다.\n    n 1174  n_eff "))
        #expect(result.stdout.contains("raking(region,age,gender) in"))
        #expect(result.stdout.contains("    E  14.99% →  19.04%  매우 동의한다"))
        #expect(result.stdout.contains("  SV007  "))
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build").path))
    }
}

@Suite struct SampleCommandTests {
    @Test func dryRunPrintsThePlanAndWritesNothing() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let result = try Binary.run(["sample", "--dry-run"], in: project.directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("sampling plan for example: 33 items in the pool, strata by task, subject\n"))
        #expect(result.stdout.contains("  common_knowledge/korean_history      all          6         6        0          0\n"))
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build").path))
        let withoutFlag = try Binary.run(["sample"], in: project.directory)
        #expect(withoutFlag.status != 0)
        #expect(withoutFlag.stderr.contains("use --dry-run"))
    }

    @Test func dryRunShowsShortfallsAndTheMinimum() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        var text = try String(contentsOf: project.directory.appendingPathComponent("pipelines/example.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "    minimum: 1\n", with: "    minimum: 5\n    quotas: {common_knowledge/korean_history: 10}\n")
        try project.write(text, to: "pipelines/example.yaml")
        let result = try Binary.run(["sample", "--dry-run"], in: project.directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  common_knowledge/korean_history       10          6         6        0          4\n"))
        #expect(result.stdout.contains("below the minimum of 5: common_knowledge/korean_language (the build would fail)"))
    }
}
