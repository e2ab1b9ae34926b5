import Foundation
import Testing
import DatasetCore

/// The example's translation round from the command line: each translation exported beside the
/// item it translates, one corrected, one rejected, the rest accepted; the round's report and
/// the release that follows.
@Suite(.serialized) struct TranslationRoundTests {
    static let machine = "In Korea, which body holds the power to make laws, that is, legislative power?"
    static let corrected = "In Korea, which body has the power to make laws (legislative power)?"

    @Test func exportEditImportReportAndRelease() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let session = ReviewSession(project: project)
        try session.ok(["run"])
        try session.ok(["review", "reviewers", "add", "kim"])
        #expect(try session.ok(["review", "open", "translation-check"]).contains("14 items"))
        let assignments = try session.assign("translation-check")
        // The source text beside each translation, in both formats.
        let csv = try session.ok(["review", "export", assignments[0].batch, "--reviewer", assignments[0].reviewer])
        let header = try #require(csv.split(separator: "\r\n").first).split(separator: ",").map(String.init)
        #expect(["translates_language", "translates_question", "translates_choice_A", "translates_choice_D"].allSatisfy(header.contains))
        let jsonl = try session.ok(["review", "export", assignments[0].batch, "--reviewer", assignments[0].reviewer, "--format", "jsonl"])
        let first = try JSONSerialization.jsonObject(with: Data(try #require(jsonl.split(separator: "\n").first).utf8)) as! [String: Any]
        let translates = try #require(first["translates"] as? [String: Any])
        #expect(translates["language"] as? String == "ko" && (translates["choices"] as? [String])?.count == 4)

        // A revision that moves a translation's answer letter is refused, naming the field, and nothing is stored.
        var refused = 0
        for (batch, reviewer) in assignments {
            let path = "bad-\(batch).csv"
            try session.ok(["review", "export", batch, "--reviewer", reviewer, "-o", path])
            let url = project.directory.appendingPathComponent(path)
            guard try String(contentsOf: url, encoding: .utf8).contains("입법권") else { continue }
            try BatchFile.fillCSV(url) { row in
                row["decision"] = "approve"
                if row["translates_question"]!.contains("입법권") { row["decision"] = "revise"; row["revised_answer"] = "A" }
            }
            let before = try session.ok(["review", "audit"])
            let result = try Binary.run(["review", "import", path], in: project.directory)
            #expect(result.status == 1 && result.stderr.contains("'revised_answer': a translation keeps the answer letter (B) of the item it translates"),
                    "\(result.stderr)")
            #expect(try session.ok(["review", "audit"]) == before)
            refused += 1
        }
        #expect(refused == 1)

        try session.review(assignments) { _, row in
            let source = row["translates_question"]!
            if source.contains("입법권") {
                row["decision"] = "revise"
                row["revised_question"] = Self.corrected
            } else if source.contains("대통령의 임기") {
                row["decision"] = "reject"
                row["reason"] = "the second term is mistranslated"
            } else {
                row["decision"] = "approve"
            }
        }
        try session.ok(["review", "close", "translation-check"])

        let text = try session.ok(["review", "translations", "translation-check"])
        #expect(text.contains("en\tall\t14\t12 (85.7%)\t1 (7.1%)\t1 (7.1%)\t0\t14.0\t0.093\t0.273\n"), "\(text)")
        #expect(text.contains("en\tsocial_studies\t6\t4 (66.7%)\t1 (16.7%)\t1 (16.7%)\t0\t14.0\t0.093\t0.273\n"), "\(text)")
        let report = try JSONSerialization.jsonObject(with: Data(try session.ok(["review", "translations", "translation-check", "--json"]).utf8)) as! [String: Any]
        let edit = try #require((report["edits"] as? [[String: Any]])?.first)
        let measures = try #require(edit["measures"] as? [String: Any])
        // The question changed, the four choices did not: sacrebleu gives 6 edits over 22 words (checked in CI).
        #expect(measures["characters"] as? Int == 14 && measures["word_edits"] as? Int == 6 && measures["words"] as? Int == 22)
        #expect(edit["origin"] as? String == "machine" && edit["reviser"] as? String == "kim" && edit["version"] as? Int == 2)
        #expect(try session.ok(["review", "agreement", "translation-check"]).contains("decision\tlanguage=en\t"))

        // The release: the corrected text, post-edited; the rejected translation left out, its Korean item kept.
        try session.ok(["run"])
        let candidate = project.directory.appendingPathComponent("build/example/release")
        let english = try ["dev", "test"].flatMap { split in
            try JSONLines.read(Item.self, from: candidate.appendingPathComponent("common_knowledge_en/\(split).jsonl"))
        }
        let korean = try ["dev", "test"].flatMap { split in
            try JSONLines.read(Item.self, from: candidate.appendingPathComponent("common_knowledge_ko/\(split).jsonl"))
        }
        let correctedItem = try #require(english.first { $0.question == Self.corrected })
        #expect(correctedItem.translation?.origin == .postEdited && correctedItem.review.version == 2)
        #expect(!english.contains { $0.question == Self.machine })
        #expect(!english.contains { $0.question.contains("President") && $0.question.contains("second term") })
        let rejectedGroup = try #require(korean.first { $0.question.contains("대통령의 임기") })
        #expect(!english.contains { $0.translation?.group == rejectedGroup.id })
        try session.ok(["release", "--version", "1.0.0"])
        let card = try String(contentsOf: project.directory.appendingPathComponent("releases/kornat-example/1.0.0/README.md"), encoding: .utf8)
        #expect(card.contains("Round `translation-check`") && card.contains("| en | all | 14 | 12 | 1 | 1 | 0 | 14.0 | 0.093 | 0.273 |"))
        let html = try String(contentsOf: candidate.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<h3>Round translation-check</h3>"))
    }
}

/// A translations file with bad rows: every one named with its line and field, nothing built.
@Suite struct TranslationFileTests {
    @Test func badRowsAreErrorsWithTheirLinesAndNothingIsWritten() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let rows = [
            "id,question,choices,origin,system",
            #"ck-0000000000000000,Who?,"[""a"", ""b""]",human,"#,                                   // 2: no such item
            #"ck-62664465543f7a68,Which Joseon king created Hunminjeongeum?,"[""Taejo"", ""Sejong"", ""Sejo"", ""Jeongjo""]",robot,"#,  // 3: origin
            #"ck-62664465543f7a68,Which Joseon king created Hunminjeongeum?,"[""Taejo"", ""Sejong"", ""Sejo"", ""Jeongjo""]",human,"#,  // 4: fine
            #"ck-62664465543f7a68,Which king made Hunminjeongeum?,"[""Taejo"", ""Sejong"", ""Sejo"", ""Jeongjo""]",human,"#,         // 5: twice
            #"ck-6a1bd0a390af5156,In which year?,[1392,human,"#,                                          // 6: choices not a list
        ]
        try project.write(rows.joined(separator: "\n") + "\n", to: "raw/translations/korean-items.en.csv")
        let result = try Binary.run(["run"], in: project.directory)
        #expect(result.status == 1)
        let file = "raw/translations/korean-items.en.csv"
        for expected in ["\(file):2: 'id': no item has id 'ck-0000000000000000'",
                         "\(file):3: 'origin': unknown origin 'robot' (one of: machine, human, post_edited)",
                         "\(file):5: 'id': 'ck-62664465543f7a68' is translated into en again (first at \(file):4: 'id')",
                         "\(file):6: 'choices': expected a list of choices"] {
            #expect(result.stderr.contains(expected), "\(expected)\n\(result.stderr)")
        }
        #expect(!result.stderr.contains("error: \(file):4:"))
        #expect(!FileManager.default.fileExists(atPath: project.directory.appendingPathComponent("build/example/ingest/items.jsonl").path))
    }
}

/// Translations as JSON Lines, their origin and system given once on the source.
@Suite struct TranslationJSONLinesTests {
    @Test func aJSONLinesFileWithTheOriginOnTheSource() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let lines = [
            #"{"id": "ck-62664465543f7a68", "question": "Quel roi de Joseon a créé le Hunminjeongeum ?", "choices": ["Taejo", "Sejong", "Sejo", "Jeongjo"], "translator": "lee"}"#,
            #"{"id": "ck-6a1bd0a390af5156", "question": "En quelle année le Hunminjeongeum a-t-il été promulgué ?", "choices": ["1392", "1443", "1446", "1592"]}"#,
        ]
        try project.write(lines.joined(separator: "\n") + "\n", to: "raw/translations/korean-items.fr.jsonl")
        var pipeline = try String(contentsOf: project.pipeline, encoding: .utf8)
        pipeline = pipeline.replacingOccurrences(of: """
                path: raw/translations/korean-items.en.csv
                language: en
                license: CC-BY-4.0
                mapping: {origin: origin, system: system}
            """, with: """
                path: raw/translations/korean-items.fr.jsonl
                language: fr
                license: CC-BY-4.0
                origin: machine
                system: nllb-200-distilled-600M
                mapping: {author: translator}
            """)
        try project.write(pipeline, to: "pipelines/example.yaml")
        let run = try Binary.run(["run", "--until", "ingest"], in: project.directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("korean-items-en: 2 translations"))
        let items = try JSONLines.read(Item.self, from: project.directory.appendingPathComponent("build/example/ingest/items.jsonl"))
        let french = items.filter { $0.language == "fr" }
        #expect(french.count == 2)
        #expect(french.allSatisfy { $0.translation?.origin == .machine && $0.translation?.system == "nllb-200-distilled-600M" && $0.translation?.sourceLanguage == "ko" })
        #expect(french.map(\.source.author).sorted { ($0 ?? "") < ($1 ?? "") } == [nil, "lee"])
        let year = try #require(french.first { $0.question.hasPrefix("En quelle année") })
        #expect(year.translation?.group == "ck-6a1bd0a390af5156" && year.answer == items.first { $0.id == "ck-6a1bd0a390af5156" }?.answer)
    }
}
