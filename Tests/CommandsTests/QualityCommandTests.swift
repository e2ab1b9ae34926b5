import Foundation
import Testing
import DatasetCore

@Suite(.serialized) struct QualityCommandTests {
    /// The example with another `quality` section in its pipeline file.
    func project(quality: String) throws -> ProjectCopy {
        let project = try ProjectCopy()
        let url = project.directory.appendingPathComponent("pipelines/example.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let start = try #require(text.range(of: "\nquality:\n")), end = try #require(text.range(of: "\nrelease:"))
        try project.write(text.replacingCharacters(in: start.upperBound..<end.lowerBound, with: quality), to: "pipelines/example.yaml")
        return project
    }

    @Test func aBlockingCheckThatFailsStopsReleaseAndTheCandidateSaysWhy() throws {
        // The example keeps unreviewed items: none is labelled CS or CA.
        let project = try project(quality: "  checks:\n    label_completeness: {block: true}\n    agreement: {threshold: 0.8}\n")
        defer { project.remove() }
        let run = try Binary.run(["run"], in: project.directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("quality check label_completeness fails: 0.000 < 1.000 (blocks release) — 47 of 47 items are not labelled CS or CA"))
        let dossier = try JSONSerialization.jsonObject(with: Data(contentsOf: project.directory.appendingPathComponent("build/example/release/quality.json"))) as! [String: Any]
        let checks = dossier["checks"] as! [[String: Any]]
        #expect(checks.first { $0["name"] as? String == "agreement" }?["threshold"] as? Double == 0.8)
        let release = try Binary.run(["release", "--version", "0.1.0"], in: project.directory)
        #expect(release.status != 0)
        #expect(release.stderr.contains("fails quality checks the pipeline file's `quality` section says block a release: label_completeness 0.000, needs ≥ 1.000"))
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("releases/kornat-example/0.1.0").path))
    }

    @Test func aCheckThatIsNotBlockingLetsReleaseGoAndThePublishedDossierNamesTheVersion() throws {
        let project = try project(quality: "  checks:\n    label_completeness: {threshold: 0.5}\n  template_similarity: 0.4\n")
        defer { project.remove() }
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        let release = try Binary.run(["release", "--version", "0.1.0"], in: project.directory)
        #expect(release.status == 0, "\(release.stderr)")
        let published = project.directory.appendingPathComponent("releases/kornat-example/0.1.0")
        let dossier = try JSONSerialization.jsonObject(with: Data(contentsOf: published.appendingPathComponent("quality.json"))) as! [String: Any]
        #expect(dossier["version"] as? String == "0.1.0" && dossier["template_similarity"] as? Double == 0.4)
        let report = try String(contentsOf: published.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<title>kornat-example 0.1.0 build report</title>"))
        #expect(try Binary.run(["verify", "releases/kornat-example/0.1.0"], in: project.directory).status == 0)
    }

    @Test func whenSourcesWereCollectedReachesTheCardAndCroissant() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let url = project.directory.appendingPathComponent("pipelines/example.yaml")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: "    path: raw/textbooks/openstax-statistics/m46909.cnxml\n",
                                         with: "    path: raw/textbooks/openstax-statistics/m46909.cnxml\n    collected: 2013-09-19\n")
        text = text.replacingOccurrences(of: "    path: raw/items/korean-knowledge.xml\n", with: "    path: raw/items/korean-knowledge.xml\n    collected: 2024-03/2024-05\n")
        try project.write(text, to: "pipelines/example.yaml")
        #expect(try Binary.run(["run"], in: project.directory).status == 0)
        let release = try Binary.run(["release", "--version", "0.1.0"], in: project.directory)
        #expect(release.status == 0, "\(release.stderr)")
        let published = project.directory.appendingPathComponent("releases/kornat-example/0.1.0")
        let card = try String(contentsOf: published.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(card.contains("m46909.cnxml; licence: http://creativecommons.org/licenses/by-nc-sa/4.0/; collected 2013-09-19"))
        #expect(card.contains("Collected or written: 2013-09-19/2024-05"))
        let croissant = try JSONSerialization.jsonObject(with: Data(contentsOf: published.appendingPathComponent("croissant.json"))) as! [String: Any]
        #expect(croissant["rai:dataCollectionTimeframe"] as? String == "2013-09-19/2024-05")

        try project.write(text.replacingOccurrences(of: "collected: 2024-03/2024-05", with: "collected: last spring"), to: "pipelines/example.yaml")
        let check = try Binary.run(["check"], in: project.directory)
        #expect(check.status == 1 && check.stderr.contains("collected must be an ISO 8601 date or interval"), "\(check.stderr)")
        for (bad, message) in [("2024-13", "collected must be an ISO 8601 date"), ("2024-05/2024-03", "collected ends (2024-03) before it starts (2024-05)")] {
            try project.write(text.replacingOccurrences(of: "collected: 2024-03/2024-05", with: "collected: \(bad)"), to: "pipelines/example.yaml")
            let refused = try Binary.run(["check"], in: project.directory)
            #expect(refused.status == 1 && refused.stderr.contains(message), "\(bad): \(refused.stderr)")
        }
    }

    @Test func anUnknownCheckOrABadThresholdIsAnErrorWithItsLine() throws {
        let project = try project(quality: "  checks:\n    completenes: {block: true}\n    diversity: {threshold: 2}\n")
        defer { project.remove() }
        let check = try Binary.run(["check"], in: project.directory)
        #expect(check.status == 1)
        #expect(check.stderr.contains("'quality.checks.completenes': unknown key (did you mean 'completeness'?)"), "\(check.stderr)")
        #expect(check.stderr.contains("threshold must be between 0 and 1"))
        #expect(check.stderr.contains("pipelines/example.yaml:135"), "each error names its line")
    }
}
