import ArgumentParser
import Logging
import Foundation
import DatasetCore
import Pilot
import Pipeline
import ReviewServer
import Release
import ReviewStore

/// Options of every `review` subcommand: the pipeline and who is acting.
struct ReviewOptions: ParsableArguments {
    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .customLong("as"), help: ArgumentHelp("Who is acting, for the audit log (default: cli:$USER).", valueName: "id"))
    var actor: String?

    var actorID: String { actor ?? ReviewStore.shellActor }

    /// The pipeline's review plan and its open review store.
    func open() throws -> (PipelineSpec, ReviewStore) {
        let (spec, layout) = try pipeline.loadLayout()
        do {
            return (spec, try ReviewStore(url: layout.reviewDatabase))
        } catch {
            throw reportAndExit(error)
        }
    }
}

/// Runs a store operation, printing its error (every problem of an input on its own line).
func reviewing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let exit as ExitCode { throw exit } catch { throw reportAndExit(error) }
}

func printJSON(_ value: some Encodable) throws {
    FileHandle.standardOutput.write(try JSONLines.prettyDocument(value))
}

extension BuildDataset {
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Review rounds: reviewers, batches, decisions, labels and agreement.",
            discussion: """
            Rounds are declared in the pipeline file (stages.review.rounds). A typical round: \
            `review open ROUND` batches the items that reached it, `review assign ROUND` hands \
            the batches to reviewers, `review export BATCH --reviewer R` writes the file a \
            reviewer fills in, `review import FILE` stores their decisions (every line checked; \
            one bad line refuses the file), and `review close ROUND` applies the round's rule. \
            The review database is data/review/<pipeline>.sqlite.
            """,
            subcommands: [Reviewers.self, Open.self, Assign.self, Export.self, Import.self, Status.self, AgreementCommand.self,
                          Translations.self, Close.self, Audit.self, Serve.self]
        )
    }
}

extension BuildDataset.Review {
    struct Reviewers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add or list reviewers, or give one a new sign-in link.",
                                                        subcommands: [Add.self, List.self, Link.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a reviewer.")
            @OptionGroup var options: ReviewOptions
            @Argument(help: "The reviewer's id (letters, digits, '.', '_', '@', '-').") var id: String
            @Option(help: "Their name as shown to others.") var name: String?
            @Option(help: "What they may do.") var role: ReviewerRole = .reviewer
            @OptionGroup var link: SignInLinkOptions

            func run() async throws {
                let (_, store) = try options.open()
                try reviewing { try store.addReviewer(Reviewer(id: id, name: name ?? id, role: role), actor: options.actorID) }
                print("added \(role.rawValue) \(id)")
                try link.print(for: id, store: store)
            }
        }

        struct Link: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give a reviewer a new one-time sign-in link for the review page.",
                discussion: "The link works once and expires; signing in opens a session in that browser.")
            @OptionGroup var options: ReviewOptions
            @Argument(help: "The reviewer's id.") var id: String
            @OptionGroup var link: SignInLinkOptions

            func run() async throws {
                let (_, store) = try options.open()
                try link.print(for: id, store: store)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List reviewers.")
            @OptionGroup var options: ReviewOptions
            func run() async throws {
                let (_, store) = try options.open()
                for reviewer in try reviewing({ try store.reviewers() }) {
                    print("\(reviewer.id)\t\(reviewer.role.rawValue)\t\(reviewer.name)")
                }
            }
        }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Batch the items that reached a round.",
            discussion: """
            Items already batched in the round are left alone; run it again after revisions to batch the new versions.             With --pilot-flags, only the items `pilot report` flags (on the candidate, or --release VERSION) are batched,             and the pilot report then says how they came out.
            """)
        @Argument(help: "The round's name.") var round: String
        @Flag(help: "Batch only the items the pilot flagged.") var pilotFlags = false
        @OptionGroup var target: PilotTargetOptions
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            guard pilotFlags || target.release == nil else { throw ValidationError("--release goes with --pilot-flags") }
            let batches = try reviewing {
                guard pilotFlags else { return try store.open(round, plan: spec.review, actor: options.actorID) }
                let layout = ProjectLayout(root: options.pipeline.projectURL, pipelineName: spec.name)
                let pilotTarget = try target.load(spec: spec, layout: layout)
                let (report, _) = try PilotReports.make(spec: spec, layout: layout, target: pilotTarget)
                let flagged = Dictionary(report.items.filter { !$0.flags.isEmpty }.map { ($0.id, $0.flags) }, uniquingKeysWith: { a, _ in a })
                print("\(flagged.count) items flagged by the pilot on \(pilotTarget.key)")
                return try store.openForPilotFlags(round, plan: spec.review, target: pilotTarget.key, flagged: flagged, actor: options.actorID)
            }
            print(batches.isEmpty ? "\(round): no new items to batch"
                  : "\(round): \(batches.count) new batches, \(batches.map(\.items).reduce(0, +)) items")
            for batch in batches { print("  \(batch.id)\t\(batch.items) items") }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign reviewers to a round's batches.",
            discussion: """
            Without --batch, fills every batch of the round with eligible reviewers, least loaded first: their role is \
            in the round's roles (leads for adjudication), they wrote none of its items, and they have not voted on them.
            """)
        @Argument(help: "The round's name.") var round: String
        @Option(help: "Assign one batch only (with --reviewer).") var batch: String?
        @Option(help: "The reviewer to assign to --batch.") var reviewer: String?
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            if let batch {
                guard let reviewer else { throw ValidationError("--batch needs --reviewer") }
                guard try reviewing({ try store.batch(batch)?.round }) == round else {
                    throw reportAndExit(ReviewError("batch '\(batch)' is not a batch of round \(round)"))
                }
                try reviewing { try store.assign(batch: batch, reviewer: reviewer, plan: spec.review, actor: options.actorID) }
                print("assigned \(reviewer) to \(batch)")
                return
            }
            let report = try reviewing { try store.assign(round: round, plan: spec.review, actor: options.actorID) }
            for assignment in report.assigned { print("  \(assignment.batch)\t\(assignment.reviewer)") }
            print("\(round): \(report.assigned.count) assignments")
            for gap in report.unfilled { printError("warning: \(gap.batch) needs \(gap.missing) more: \(gap.reason)") }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the file a reviewer fills in for a batch.",
            discussion: "The file shows the items and blank answer columns, never another reviewer's vote.")
        @Argument(help: "The batch id.") var batch: String
        @Option(help: "The reviewer the file is for (they must be assigned to the batch).") var reviewer: String
        @Option(help: "The file's format.") var format: BatchFiles.Format = .csv
        @Option(name: [.customShort("o"), .long], help: "Where to write (default: standard output).") var output: String?
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            let data: Data = try reviewing {
                guard let summary = try store.batch(batch) else { throw ReviewError("unknown batch '\(batch)'") }
                guard try store.isAssigned(reviewer, to: batch) else { throw ReviewError("\(reviewer) is not assigned to batch \(batch)") }
                guard let round = spec.review.round(summary.round) else { throw ReviewError("round '\(summary.round)' is no longer in the pipeline") }
                // A version that a revision or a raw edit replaced is left out: it can no longer be decided on.
                let items = try store.currentBatchItems(batch)
                var earlier: [String: String] = [:]
                for member in items {
                    let versions = try store.earlierVersions(of: member.item.id, except: member.contentHash)
                    if !versions.isEmpty { earlier[member.item.id] = versions.map(\.summary).joined(separator: "\n") }
                }
                // A translation is shown beside the item it translates.
                var originals: [String: Item] = [:]
                for group in Set(items.compactMap(\.item.translation?.group)) { originals[group] = try store.currentVersion(of: group)?.item }
                return try BatchFiles.export(batch: summary, items: items, reviewer: reviewer, round: round, format: format, earlier: earlier,
                                             originals: originals)
            }
            if let output {
                try AtomicFiles.write(data, to: URL(fileURLWithPath: output))
                if let round = try reviewing({ try store.batch(batch).flatMap { spec.review.round($0.round) } }) {
                    printError("wrote \(output): decision is approve, reject (with a reason) or revise (with revised_* text)")
                    for label in round.labels {
                        let values = label.kind == .choice ? label.values.joined(separator: label.multiple ? "; " : " | ") : label.kind.rawValue
                        printError("  \(label.name): \(values)\(label.required ? " (required to approve)" : "")")
                    }
                }
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store the decisions of a filled-in batch file (CSV or JSON Lines).",
            discussion: """
            Every line is checked: the batch, item and reviewer exist, the reviewer is assigned to the batch and did not \
            write the item, the item has not changed since (stale content hash), the decision and labels are valid. If any \
            line is wrong the whole file is refused, each bad line is listed, and nothing is stored. Lines without a \
            decision are skipped; a line identical to one already stored is ignored.
            """)
        @Argument(help: "The filled-in batch file (.csv or .jsonl).") var file: String
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            let url = URL(fileURLWithPath: file)
            let report = try reviewing {
                let (votes, problems) = try BatchFiles.read(url, displayName: file)
                return try store.submit(votes, plan: spec.review, actor: options.actorID, problems: problems)
            }
            var line = "\(file): \(report.recorded) decisions stored"
            if report.changed > 0 { line += ", \(report.changed) changed" }
            if report.unchanged > 0 { line += ", \(report.unchanged) already stored" }
            if report.undecided > 0 { line += ", \(report.undecided) lines without a decision" }
            if !report.revised.isEmpty { line += ", \(report.revised.count) items revised (open the round again to batch them)" }
            print(line)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Progress per round and reviewer.")
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            let rounds = try reviewing { try store.status(plan: spec.review) }
            if output.json { return try printJSON(rounds) }
            if rounds.isEmpty { print("the pipeline declares no review rounds") }
            for round in rounds {
                print("\(round.round) (\(round.closed ? "closed" : "open")): \(round.items) items, \(round.approved) approved, \(round.rejected) rejected; "
                      + "\(round.votesDone)/\(round.votesExpected) votes in \(round.batches) batches")
                if round.waitingForBatch > 0 { print("  \(round.waitingForBatch) items wait for a batch: review open \(round.round)") }
                if round.unassignedSlots > 0 { print("  \(round.unassignedSlots) reviewer places unassigned: review assign \(round.round)") }
                if round.disputed > 0 { print("  \(round.disputed) disagreements wait for adjudication or another reviewer") }
                for reviewer in round.reviewers {
                    print("  \(reviewer.reviewer): \(reviewer.decided)/\(reviewer.assigned) in \(reviewer.batches) batches")
                }
            }
            for request in try store.linkRequests() {
                print("\(request.reviewer) asked for a new sign-in link at \(request.at): review reviewers link \(request.reviewer)")
            }
        }
    }

    struct AgreementCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agreement",
            abstract: "Agreement in a round: Krippendorff's alpha, Gwet's AC1, Fleiss' and Cohen's kappa.",
            discussion: """
            For the decision and each label (each value of a multiple-choice label as yes/no, plus cultural_sensitivity \
            when required_knowledge is a label), over the round and per subject: Krippendorff's alpha (nominal, and \
            ordinal for ordinal labels) on items with at least two votes; Gwet's AC1 with its standard error on the same \
            items (stable when one value is rare, where kappa collapses); Fleiss' kappa on items with exactly the round's \
            number of votes; Cohen's kappa for each pair of reviewers on the items both voted on (and quadratic-weighted \
            kappa for ordinal labels). Adjudications are left out.
            """)
        @Argument(help: "The round's name.") var round: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            let rows = try reviewing { try store.agreement(round: round, plan: spec.review) }
            if output.json { return try printJSON(rows) }
            func format(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
            print("variable\tscope\titems\talpha_nominal [95% interval]\talpha_ordinal\tac1 ± se\tfleiss_kappa (items)\tcohen_kappa (pair: items)")
            for row in rows {
                let pairs = row.cohen.map { pair in
                    "\(pair.reviewers.joined(separator: "/")) \(format(pair.kappa))\(pair.quadraticKappa.map { ", quadratic \(format($0))" } ?? "") (\(pair.items))"
                }.joined(separator: ", ")
                let interval = row.alphaNominalInterval.map { " [\(format($0[0])), \(format($0[1]))]" } ?? ""
                let ac1 = row.ac1.map { "\(format($0.value)) ± \(format($0.standardError))" } ?? "n/a"
                print("\(row.variable)\t\(row.scope)\t\(row.items)\t\(format(row.alphaNominal))\(interval)\t\(row.alphaOrdinal == nil ? "-" : format(row.alphaOrdinal))\t"
                      + "\(ac1)\t\(format(row.fleissKappa)) (\(row.fleissItems))\t\(pairs.isEmpty ? "-" : pairs)")
            }
        }
    }

    struct Translations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A translation round's outcome per language and subject, with the reviewers' edit rates.",
            discussion: """
            For the translations that reached the round: how many were accepted as they came, edited by a reviewer, \
            rejected or are pending, per language and subject; over the edited ones, the mean character edit distance \
            (Levenshtein), the same over the longer text, and the mean translation edit rate (TER, words, with shifts, \
            as sacrebleu computes it) of the edited text against the text as it came in (the machine output, for \
            machine translations). --json adds every edit.
            """)
        @Argument(help: "The round's name.") var round: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            let review = try reviewing { try store.translationReview(round: round, plan: spec.review) }
            if output.json { return try printJSON(review) }
            guard !review.rows.isEmpty else { return print("\(round): no translation has reached this round") }
            func share(_ count: Int, _ total: Int) -> String { total == 0 ? "-" : String(format: "%d (%.1f%%)", count, 100 * Double(count) / Double(total)) }
            func format(_ value: Double?, _ digits: Int = 3) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "-" }
            print("language\tsubject\titems\taccepted\tedited\trejected\tpending\tcharacters\tnormalized\tTER")
            for row in review.rows {
                print("\(row.language)\t\(row.subject)\t\(row.items)\t\(share(row.accepted, row.items))\t\(share(row.edited, row.items))\t"
                      + "\(share(row.rejected, row.items))\t\(row.pending)\t\(format(row.meanCharacters, 1))\t\(format(row.meanNormalized))\t\(format(row.meanTER))")
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a round's rule to the items with all their votes.",
            discussion: """
            Settled items are approved or rejected. Items whose votes disagree go to an adjudication batch (for a lead) \
            or a tiebreak batch (for one more reviewer), as the round says: assign them, collect the votes, and close \
            again. The round is closed once every item in it is settled.
            """)
        @Argument(help: "The round's name.") var round: String
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (spec, store) = try options.open()
            let report = try reviewing { try store.close(round, plan: spec.review, actor: options.actorID) }
            print("\(round): \(report.approved) approved, \(report.rejected) rejected now (\(report.alreadySettled) settled before)")
            if !report.pending.isEmpty { print("  \(report.pending.count) items still need votes") }
            if !report.disputed.isEmpty { print("  \(report.disputed.count) disagreements: \(report.disputed.joined(separator: ", "))") }
            for batch in report.newBatches { print("  new \(batch.kind.rawValue) batch \(batch.id) (\(batch.items) items): review assign \(round)") }
            print(report.closed ? "\(round) is closed" : "\(round) stays open")
        }
    }

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or verify the audit log.",
            discussion: """
            With --verify, re-computes the SHA-256 chain of the log, checks each entry's seal (an HMAC under the review \
            key, kept beside the database in <database>.key or where BUILD_DATASET_REVIEW_KEY_FILE says), and checks that \
            every row of the review tables is as its latest audit entry recorded it; any hand edit, insert or delete is \
            reported and the exit status is non-zero. --against a published release's manifest (or a seq:hash printed by \
            --head) also detects a rewrite of the history up to that point, even by someone holding the key.
            """)
        @Flag(help: "Verify the chain and every row against it.") var verify = false
        @Flag(help: "Print the chain's head (seq:hash of the last entry), as a release manifest records it.") var head = false
        @Option(help: ArgumentHelp("With --verify: a release's manifest.json, or a seq:hash, that the history must still lead to.", valueName: "manifest-or-head"))
        var against: String?
        @Option(help: "Show entries whose subject starts with this (e.g. decisions:, batches:fact-check).") var subject: String?
        @OptionGroup var options: ReviewOptions

        func run() async throws {
            let (_, store) = try options.open()
            if head {
                guard let chainHead = try reviewing({ try store.auditChainHead() }) else {
                    printError("error: the audit log is empty")
                    throw ExitCode.failure
                }
                print(chainHead)
                return
            }
            if verify {
                let anchor = try against.map(Self.anchor)
                let problems = try reviewing { try store.verifyAudit(against: anchor) }
                guard problems.isEmpty else {
                    for problem in problems { printError("error: \(problem)") }
                    throw ExitCode.failure
                }
                let count = try reviewing { try store.auditEntryCount() }
                print("audit log verified: \(count) entries, every row matches" + (anchor.map { "; the history leads to \($0)" } ?? ""))
                return
            }
            for entry in try reviewing({ try store.auditEntries(subjectPrefix: subject) }) {
                print("\(entry.seq)\t\(entry.at)\t\(entry.actor)\t\(entry.action)\t\(entry.subject)")
            }
        }

        /// A `seq:hash`, or the head a release manifest recorded.
        static func anchor(_ text: String) throws -> AuditHead {
            if let head = AuditHead(text) { return head }
            guard FileManager.default.fileExists(atPath: text) else {
                throw ValidationError("--against '\(text.prefix(80))' is neither seq:hash nor a manifest file")
            }
            let manifest: ReleaseManifest
            do { manifest = try ReleaseManifest.read(from: URL(fileURLWithPath: text)) } catch { throw reportAndExit(error) }
            guard let recorded = manifest.reviewAuditHead, let head = AuditHead(recorded) else {
                throw ValidationError("\(text) records no review audit head (a candidate, or published without a review database)")
            }
            return head
        }
    }
}

struct SignInLinkOptions: ParsableArguments {
    @Option(name: .customLong("url"), help: ArgumentHelp("The review page's address, for sign-in links (default: where `review serve` last served it, else http://127.0.0.1:8080).", valueName: "url"))
    var url: String?

    @Option(name: .customLong("link-days"), help: ArgumentHelp("How many days a sign-in link works.", valueName: "days"))
    var days: Int = 7

    func validate() throws {
        guard days >= 1 else { throw ValidationError("--link-days must be at least 1 (a link of \(days) days would never work)") }
        if let url { try Self.checkAddress(url, option: "--url") }
    }

    static func checkAddress(_ text: String, option: String) throws {
        guard let address = URL(string: text), address.scheme == "http" || address.scheme == "https", address.host != nil else {
            throw ValidationError("\(option) must be an http:// or https:// address, not '\(text)'")
        }
    }

    func print(for reviewer: String, store: ReviewStore) throws {
        let token = try reviewing { try store.issueSignInToken(reviewer: reviewer, lifetime: TimeInterval(days) * 24 * 3600) }
        let url = try url ?? reviewing { try store.reviewPageAddress() } ?? "http://127.0.0.1:8080"
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        Swift.print("sign-in link for \(reviewer) (works once, for \(days) days): \(base)/sign-in/\(token)")
    }
}

extension BuildDataset.Review {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the review page over the pipeline's review database.",
            discussion: """
            Reviewers sign in with the one-time link that `review reviewers add` or `review reviewers link` \
            prints, then decide on and label the batches assigned to them. The command line can be used \
            at the same time: both write the same database, each change in one transaction.
            """)
        @OptionGroup var options: ReviewOptions
        @Option(help: "The address to listen on (loopback unless told otherwise).") var host: String = "127.0.0.1"
        @Option(help: "The port (0 picks a free one).") var port: Int = 8080
        @Option(help: ArgumentHelp("Hours a session lasts after signing in.", valueName: "hours")) var sessionHours: Double = 12
        @Option(help: ArgumentHelp("The address reviewers open, when it is not the one listened on (behind a proxy); sign-in links use it.",
                                   valueName: "url"))
        var publicURL: String?
        @Flag(help: "Leave the Secure attribute off the session cookie (for a plain-HTTP address other than loopback).")
        var insecureCookies = false
        @Option(help: ArgumentHelp("Seconds after which an idle connection is closed.", valueName: "seconds")) var idleSeconds: Int = 60
        @Option(help: ArgumentHelp("Connections served at once; more wait until one closes.", valueName: "count")) var maxConnections: Int = 256
        @Flag(help: "Log no line per request on standard error.") var noAccessLog = false

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
            guard idleSeconds >= 1 else { throw ValidationError("--idle-seconds must be at least 1, not \(idleSeconds)") }
            guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1, not \(maxConnections)") }
            if let publicURL { try SignInLinkOptions.checkAddress(publicURL, option: "--public-url") }
            guard sessionHours > 0 else { throw ValidationError("--session-hours must be above 0, not \(sessionHours)") }
        }

        func run() async throws {
            let (spec, layout) = try options.pipeline.loadLayout()
            // The passages of the last run's ingest stage, for the item cards.
            let passagesFile = layout.stageFile(.ingest, .passages)
            let passages = FileManager.default.fileExists(atPath: passagesFile.path)
                ? try reviewing { try JSONLines.read(Passage.self, from: passagesFile) } : []
            let service = try reviewing {
                try ReviewService(databaseURL: layout.reviewDatabase, plan: spec.review, passages: passages,
                                  sessionLifetime: sessionHours * 3600)
            }
            let host = host, publicURL = publicURL, databaseURL = layout.reviewDatabase
            var accessLog: Logger?
            if !noAccessLog {
                // Access lines go to standard error; standard output carries only the address line.
                accessLog = Logger(label: "review.access") { StreamLogHandler.standardError(label: $0) }
            }
            let routes = ReviewRoutes(service: service, secureCookies: !insecureCookies, accessLog: accessLog)
            try await routes.run(host: host, port: port, idleTimeout: .seconds(idleSeconds), maxConnections: maxConnections) { port in
                // Sign-in links printed from now on point here.
                let address = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                do { try ReviewStore(url: databaseURL).setReviewPageAddress(address) } catch {
                    FileHandle.standardError.write(Data("warning: could not record the page's address for sign-in links: \(error)\n".utf8))
                }
                // Written unbuffered: whoever started the server waits for this line.
                FileHandle.standardOutput.write(Data("review page on http://\(host):\(port)/ (stop with Ctrl-C)\(publicURL.map { ", reviewers open \($0)" } ?? "")\n".utf8))
            }
        }
    }
}
