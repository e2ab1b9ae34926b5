import Foundation
import Testing
import DatasetCore
import BenchmarkSupport

/// Numbers too large for the arithmetic, and values too long to echo, in the real binary: each is
/// an error naming the file, line and field, with a non-zero exit, never a trap.
@Suite struct HostileNumberTests {
    private func check(_ project: ProjectCopy) throws -> Binary.Result {
        try Binary.run(["check", "--pipeline", "pipelines/example.yaml"], in: project.directory)
    }

    private func replaceLine(_ number: Int, of path: String, in project: ProjectCopy, _ change: (String) -> String) throws {
        let url = project.directory.appendingPathComponent(path)
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        lines[number - 1] = change(lines[number - 1])
        try project.write(lines.joined(separator: "\n"), to: path)
    }

    @Test func aRegionTheMarginsLackIsReportedOnTheTalliesLineThatNamesIt() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        try replaceLine(3, of: "raw/survey/tallies.csv", in: project) { $0.replacingOccurrences(of: "수도권", with: "Atlantis") }
        let result = try check(project)
        #expect(result.status != 0)
        #expect(result.stderr.contains("raw/survey/tallies.csv:3: 'region': level 'Atlantis' of 'region' has no population margin in raw/census/kr_census2010_province_sex_age5_utf8.csv (margins have: 강원·제주, 수도권, 영남, 충청·호남)"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("questionnaire.yaml"))
    }

    @Test func aTenMegabyteValueIsNotEchoedInFull() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let huge = String(repeating: "X", count: 10_000_000)
        try replaceLine(3, of: "raw/survey/tallies.csv", in: project) { $0.replacingOccurrences(of: "수도권", with: huge) }
        let run = try measure([try Binary.url.path, "check", "--pipeline", "pipelines/example.yaml"], in: project.directory, keepErrors: true)
        let stderr = String(decoding: run.errors ?? Data(), as: UTF8.self)
        #expect(run.status != 0)
        #expect(stderr.contains("raw/survey/tallies.csv:3: 'region': level 'XXXX"))
        #expect(stderr.contains("characters left out] …"))
        #expect(stderr.contains("(margins have: 강원·제주, 수도권, 영남, 충청·호남)"))
        #expect(stderr.utf8.count < 4_000, "\(stderr.utf8.count) bytes of errors")
        // The value is held a few times over while the table is read, never once per message.
        #expect(run.peakKilobytes < 400_000, "\(run.peakKilobytes) KB")
        #expect(run.seconds < 30)
    }

    @Test(arguments: [
        ("total: 9223372036854775807", "9223372036854775807 is out of range: expected a whole number from -1000000000 to 1000000000"),
        ("total: 99999999999999999999999", "99999999999999999999999 is out of range: expected a whole number from -1000000000 to 1000000000"),
        ("total: true", "wrong type: expected a whole number, found true (true/false)"),
        ("minimum: 9223372036854775807", "9223372036854775807 is out of range: expected a whole number from -1000000000 to 1000000000"),
    ])
    func aPipelineNumberBeyondAnyCountIsAnErrorWithItsLine(setting: String, message: String) throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        var pipeline = try String(contentsOf: project.pipeline, encoding: .utf8)
        #expect(pipeline.contains("    minimum: 1\n"))
        pipeline = pipeline.replacingOccurrences(of: "    minimum: 1\n", with: "    \(setting)\n")
        try project.write(pipeline, to: "pipelines/example.yaml")
        let key = setting.prefix { $0 != ":" }
        let result = try check(project)
        #expect(result.status != 0)
        #expect(result.stderr.contains("pipelines/example.yaml:66:") && result.stderr.contains("'stages.sample.\(key)': \(message)"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func aSurveyPlanOverAPopulationBeyondAnyCountIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("stratum,population,sd\na,1e30,0.5\nb,100,inf\n".utf8).write(to: directory.appendingPathComponent("pop.csv"))
        let result = try Binary.run(["survey", "plan", "--population", "pop.csv", "--allocation", "neyman"], in: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("pop.csv:2: 'population': '1e30' is larger than any count of people (at most 10^12)"), "\(result.stderr)")
        #expect(result.stderr.contains("pop.csv:3: 'sd': sd 'inf' is not a number of at least 0"))
        try Data("stratum,population\na,100\n".utf8).write(to: directory.appendingPathComponent("pop.csv"))
        for arguments in [["--margin", "1e-300"], ["--design-effect", "1e300"]] {
            let refused = try Binary.run(["survey", "plan", "--population", "pop.csv"] + arguments, in: directory)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("must be from"), "\(refused.stderr)")
        }
    }
}
