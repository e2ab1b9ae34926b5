import Foundation
import Testing
import DatasetCore
import GRDB

/// A published release anchors the review history: its manifest records the audit log's head,
/// and `review audit --verify --against` the manifest shows a later rewrite of that history.
@Suite struct AuditAnchorCommandTests {
    @Test func theManifestRecordsTheHeadAndARewriteOfTheHistoryBeforeItFailsVerification() throws {
        let project = try ProjectCopy()
        defer { project.remove() }
        let session = ReviewSession(project: project)
        try session.ok(["run"])
        for id in ["kim", "lee"] { try session.ok(["review", "reviewers", "add", id]) }
        try session.ok(["release", "--version", "1.0.0"])
        let manifestPath = "releases/kornat-example/1.0.0/manifest.json"
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: project.directory.appendingPathComponent(manifestPath))) as! [String: Any]
        let recorded = try #require(manifest["review_audit_head"] as? String)
        #expect(try session.ok(["review", "audit", "--head"]) == recorded + "\n")
        #expect(try session.ok(["review", "audit", "--verify", "--against", manifestPath]).hasSuffix("; the history leads to \(recorded)\n"))

        // Later work appends to the history: still leading to the recorded head.
        try session.ok(["review", "reviewers", "add", "park"])
        #expect(try session.ok(["review", "audit", "--verify", "--against", recorded]).contains("the history leads to"))

        // Someone with the database and the key rewrites an entry before the head (kim's name)
        // and re-chains and re-seals everything after it: consistent, so only the anchor shows it.
        let database = project.directory.appendingPathComponent("data/review/example.sqlite")
        let key = try Data(hexDigits: String(contentsOf: database.appendingPathExtension("key"), encoding: .utf8))
        try DatabaseQueue(path: database.path).writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: "UPDATE reviewers SET name = 'Mallory' WHERE id = 'kim'")
            var previous = ""
            for row in try Row.fetchAll(db, sql: "SELECT seq, actor, action, subject, detail, at FROM audit_log ORDER BY seq") {
                var detail: String = row["detail"]
                if row["subject"] == "reviewers:kim" { detail = detail.replacingOccurrences(of: "\u{1F}kim\u{1F}", with: "\u{1F}Mallory\u{1F}") }
                let parts: [String] = [previous, row["actor"], row["action"], row["subject"], detail, row["at"]]
                let hash = Hashing.sha256Hex(parts: parts)
                try db.execute(sql: "UPDATE audit_log SET detail = ?, previous_hash = ?, hash = ?, seal = ? WHERE seq = ?",
                               arguments: [detail, previous, hash, Hashing.hmacSHA256Hex(key: key, hash), row["seq"]])
                previous = hash
            }
        }
        let unanchored = try Binary.run(["review", "audit", "--verify"], in: project.directory)
        #expect(unanchored.status == 0, "a consistent rewrite by the key holder passes without an anchor: \(unanchored.stderr)")
        let anchored = try Binary.run(["review", "audit", "--verify", "--against", manifestPath], in: project.directory)
        #expect(anchored.status != 0)
        #expect(anchored.stderr.contains("the history up to here was rewritten"), "\(anchored.stderr)")

        let notAHead = try Binary.run(["review", "audit", "--verify", "--against", "12:abc"], in: project.directory)
        #expect(notAHead.status != 0)
        #expect(notAHead.stderr.contains("is neither seq:hash nor a manifest file"))
    }
}

private extension Data {
    init(hexDigits text: String) {
        let digits = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        self.init(stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! })
    }
}
