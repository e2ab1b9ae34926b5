import Foundation
import Testing
import DatasetCore

/// `--json` prints one document with snake_case keys, whatever the command.
@Suite struct JSONOutputTests {
    func document(_ result: Binary.Result) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(value as? [String: Any], "\(result.stdout)")
    }

    @Test func runCheckSampleVerifyAndDiffEachPrintOneDocument() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let run = try document(try Binary.run(["run", "--json"], in: project.directory))
        let stages = try #require(run["stages"] as? [[String: Any]])
        #expect(stages.map { $0["stage"] as? String } == ["ingest", "validate", "dedup", "sample", "review", "release"])
        #expect(stages.allSatisfy { $0["status"] as? String == "ran" && $0["reason"] as? String == "no earlier output" })
        #expect(stages[1]["items_in"] as? Int == 55 && stages[1]["items_out"] as? Int == 49)
        #expect((stages[1]["dropped"] as? [String: Int])?["needs_key"] == 3)
        // What each stage took: processor time, and the run's peak memory, which never falls.
        let peaks = stages.compactMap { $0["peak_memory_bytes"] as? Int }
        #expect(peaks.count == 6 && peaks.first! > 1 << 20 && zip(peaks, peaks.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(stages.allSatisfy { ($0["cpu_seconds"] as? Double).map { $0 >= 0 } == true && ($0["seconds"] as? Double ?? -1) >= 0 })
        #expect(stages.compactMap { $0["cpu_seconds"] as? Double }.reduce(0, +) > 0)
        #expect(run["release_candidate"] as? String == "build/example/release")
        let again = try document(try Binary.run(["run", "--json"], in: project.directory))
        #expect((again["stages"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "reused" && $0["reason"] == nil } == true)

        let check = try document(try Binary.run(["check", "--json"], in: project.directory))
        #expect(check["ok"] as? Bool == true && check["sources"] as? Int == 5 && check["input_files"] as? Int == 9)

        let plan = try document(try Binary.run(["sample", "--dry-run", "--json"], in: project.directory))
        #expect(plan["pool"] as? Int == 33 && plan["strata_by"] as? [String] == ["task", "subject"])
        #expect((plan["strata"] as? [[String: Any]])?.map { $0["available"] as? Int ?? 0 }.reduce(0, +) == 33)

        #expect(try Binary.run(["release", "--version", "1.0.0"], in: project.directory).status == 0)
        let verify = try document(try Binary.run(["verify", "releases/kornat-example/1.0.0", "--json"], in: project.directory))
        #expect(verify["ok"] as? Bool == true && verify["records"] as? Int == 47 && (verify["problems"] as? [String])?.isEmpty == true)
        let diff = try document(try Binary.run(["diff", "releases/kornat-example/1.0.0", "build/example/release", "--json"], in: project.directory))
        #expect(diff["required_bump"] as? String == "patch" && (diff["added"] as? [String])?.isEmpty == true)
    }

    @Test func problemsComeInTheDocumentWithTheirPlaceAndANonZeroExit() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let tallies = project.directory.appendingPathComponent("raw/survey/tallies.csv")
        var lines = try String(contentsOf: tallies, encoding: .utf8).components(separatedBy: "\n")
        lines[1] = "SV001,수도권,20대,남성,1,-5"
        try Data(lines.joined(separator: "\n").utf8).write(to: tallies)
        let result = try Binary.run(["check", "--json"], in: project.directory)
        #expect(result.status == 1)
        let check = try document(result)
        #expect(check["ok"] as? Bool == false)
        let problems = try #require(check["problems"] as? [[String: Any]])
        #expect(problems.count == 1)
        #expect(problems.first?["file"] as? String == "raw/survey/tallies.csv" && problems.first?["line"] as? Int == 2)
        #expect(problems.first?["field"] as? String == "count" && problems.first?["message"] as? String == "count -5 is negative")

        let run = try Binary.run(["run", "--json"], in: project.directory)
        #expect(run.status == 1 && run.stderr.contains("error: raw/survey/tallies.csv:2: 'count': count -5 is negative"))
    }
}
