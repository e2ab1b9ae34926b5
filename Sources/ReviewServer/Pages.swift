import DatasetCore
import ReviewStore
import Statistics
import Foundation
import Ink
import Mustache

/// The fields of a submitted form (application/x-www-form-urlencoded); a name may repeat.
public struct FormFields: Sendable {
    public var pairs: [(String, String)]

    public init(_ body: String) {
        pairs = body.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    public subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    public func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
}

public struct DashboardPage: Sendable {
    public struct Batch: Sendable {
        var id: String, round: String, kind: String, items: Int, decided: Int, closed: Bool
        var done: Bool { decided == items }
    }

    public struct Round: Sendable {
        var status: RoundStatus
        var agreement: [VariableAgreement]
        var disagreements: [Disagreement] = []
    }

    /// Items whose reviewers disagree in a round: on the decision, or on a label.
    public struct Disagreement: Sendable {
        var itemID: String, question: String, votes: String
    }

    var reviewer: Reviewer
    var batches: [Batch] = []
    var rounds: [Round] = []
    /// Reviewers who asked for a new sign-in link, with when.
    var linkRequests: [(reviewer: String, at: String)] = []
}

/// Everything decided on one item, for the curator and leads: each version's text and votes.
public struct ItemOverviewPage: Sendable {
    public struct Version: Sendable {
        var version: Int, item: Item, current: Bool
        var votes: [ReviewStore.DecisionEntry]
        var comments: [(round: String, reviewer: String, text: String)]
    }

    var itemID: String
    var versions: [Version]
}

public struct BatchPage: Sendable {
    public struct Row: Sendable {
        var position: Int, id: String, question: String, decided: Bool, shown: Bool
        var subject: String
        /// The item carries a flag from validation (a long answer, say) for the reviewer to look at.
        var flagged: Bool
    }

    /// Which rows a reviewer asked to see: by state, subject and text.
    public struct Filter: Sendable, Equatable {
        public enum State: String, Sendable, CaseIterable { case all, undecided, decided, flagged }
        public var state: State = .all
        public var subject: String?
        public var text: String?

        public init(state: State = .all, subject: String? = nil, text: String? = nil) {
            self.state = state
            self.subject = subject.flatMap { $0.isEmpty ? nil : $0 }
            self.text = text.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        }

        static func searchKey(_ text: String) -> String { text.comparisonKey.replacingOccurrences(of: " ", with: "") }

        func admits(_ row: Row) -> Bool {
            switch state {
            case .all: break
            case .undecided: if row.decided { return false }
            case .decided: if !row.decided { return false }
            case .flagged: if !row.flagged { return false }
            }
            if let subject, row.subject != subject { return false }
            // Compared as the tool compares text (width, case and punctuation folded), and with no
            // spaces at all: Korean spacing varies from writer to writer.
            if let text, !Self.searchKey(row.question).contains(Self.searchKey(text)) { return false }
            return true
        }
    }

    var batch: BatchSummary
    var round: ReviewRound
    var rows: [Row]
    var canApproveRest: Bool
}

public struct ItemPage: Sendable {
    public struct OtherVote: Sendable {
        var reviewer: String, decision: String, reason: String
    }

    var batch: BatchSummary
    var round: ReviewRound
    var member: ReviewStore.ItemVersion
    var position: Int
    var count: Int
    var passage: Passage?
    var otherVotes: [OtherVote]
    /// Decisions on the item's earlier text, stale since the text changed.
    var earlier: [ReviewStore.EarlierVersion]
    var decided: Bool
    /// The reviewer's own decision on this version, which they may change until the round settles it.
    var chosen: ReviewStore.StoredDecision?
    /// The version this one replaced, and how: revised by a reviewer (who, why) or edited in the raw files.
    var changedFrom: (version: Int, item: Item, note: String)?
    /// The reviewer's own comment, and those of others they may see.
    var ownComment: String
    var comments: [(reviewer: String, text: String)]
    /// For a translation: the item it translates, as its candidate shows it.
    var original: ReviewStore.ItemVersion? = nil
}

/// Server-rendered HTML from Mustache templates (escaped by default); no JavaScript framework,
/// one small script for the keyboard.
enum Pages {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            do { try library.register(text, named: name) } catch { fatalError("template \(name): \(error)") }
        }
        return library
    }()

    static func render(_ template: String, _ context: [String: Any], title: String, session: ReviewSession?) -> String {
        let body = library.render(context, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let session {
            layout["signedIn"] = ["name": session.reviewer.name, "role": session.reviewer.role.rawValue, "csrf": session.csrfToken]
        }
        return library.render(layout, withTemplate: "layout") ?? ""
    }

    static func message(_ title: String, _ text: String, session: ReviewSession?) -> String {
        render("message", ["title": title, "text": text], title: title, session: session)
    }

    /// For a request without a live session; with an ended one, the reviewer can ask for a new link.
    static func signInNeeded(sessionEnded: Bool) -> String {
        render("sign-in", ["sessionEnded": sessionEnded], title: "Please sign in", session: nil)
    }

    static func overview(_ page: ItemOverviewPage, session: ReviewSession) -> String {
        let versions = page.versions.map { version -> [String: Any] in
            ["version": version.version, "current": version.current, "question": version.item.question, "language": version.item.language,
             "choices": version.item.choices.enumerated().map { ["letter": Item.letter($0.offset), "text": $0.element] },
             "answer": version.item.answer ?? "—", "hasVotes": !version.votes.isEmpty,
             "votes": version.votes.map { vote -> [String: Any] in
                 ["round": vote.round, "reviewer": vote.reviewer, "decision": vote.decision, "reason": vote.reason ?? "",
                  "labels": vote.labels.keys.sorted().map { "\($0): \(vote.labels[$0]!.joined(separator: ", "))" }.joined(separator: "; ")]
             },
             "comments": version.comments.map { ["round": $0.round, "reviewer": $0.reviewer, "text": $0.text] }]
        }
        return render("overview", ["id": page.itemID, "versions": versions], title: "Item \(page.itemID)", session: session)
    }

    static func dashboard(_ page: DashboardPage, session: ReviewSession) -> String {
        let batches = page.batches.map { batch -> [String: Any] in
            ["id": batch.id, "round": batch.round, "kind": batch.kind, "items": batch.items, "decided": batch.decided,
             "done": batch.done, "closed": batch.closed, "percent": batch.items == 0 ? 100 : batch.decided * 100 / batch.items]
        }
        let rounds = page.rounds.map { round -> [String: Any] in
            let status = round.status
            return ["name": status.round, "closed": status.closed, "items": status.items, "approved": status.approved,
                    "rejected": status.rejected, "disputed": status.disputed, "votesDone": status.votesDone,
                    "votesExpected": status.votesExpected,
                    "reviewers": status.reviewers.map { ["id": $0.reviewer, "decided": $0.decided, "assigned": $0.assigned] },
                    "agreement": round.agreement.filter { $0.scope == "all" }.map(agreementRow),
                    "disagreements": round.disagreements.map { ["id": $0.itemID, "question": $0.question, "votes": $0.votes] },
                    "disagreementCount": round.disagreements.count, "hasDisagreements": !round.disagreements.isEmpty,
                    "bySubject": round.agreement.filter { $0.scope != "all" }.map(agreementRow)]
        }
        return render("dashboard", ["name": page.reviewer.name, "batches": batches, "noBatches": batches.isEmpty,
                                    "rounds": rounds, "curator": page.reviewer.role == .curator,
                                    "linkRequests": page.linkRequests.map { ["reviewer": $0.reviewer, "at": $0.at] },
                                    "hasLinkRequests": !page.linkRequests.isEmpty],
                      title: "Your batches", session: session)
    }

    static func batch(_ page: BatchPage, session: ReviewSession, filter: BatchPage.Filter = .init()) -> String {
        let shown = page.rows.filter(filter.admits)
        let subjects = Array(Set(page.rows.map(\.subject))).sorted().map { ["subject": $0, "selected": $0 == filter.subject] }
        let states = BatchPage.Filter.State.allCases.map { ["state": $0.rawValue, "selected": $0 == filter.state] }
        let rows = shown.map { row -> [String: Any] in
            // No key of a row may shadow the batch's: a row's links are the batch's.
            ["position": row.position, "item": row.id, "question": row.question, "decided": row.decided, "shown": row.shown,
             "flagged": row.flagged]
        }
        let firstOpen = page.rows.first { !$0.decided }?.position ?? 1
        return render("batch", ["subjects": subjects, "states": states, "text": filter.text ?? "", "filtered": filter != .init(),
                                "shownCount": shown.count, "total": page.rows.count,
                                "guidelines": guidelinesHTML(page.round) ?? false, "batch": page.batch.id, "round": page.round.name, "kind": page.batch.kind.rawValue, "rows": rows,
                                "canApproveRest": page.canApproveRest, "start": firstOpen, "csrf": session.csrfToken,
                                "remaining": page.rows.filter { !$0.decided }.count],
                      title: "Batch \(page.batch.id)", session: session)
    }

    /// The item's card. The form shows what `submitted` holds (a refused form keeps what was
    /// typed), else the reviewer's stored decision, else nothing chosen.
    static func confirmApproveRest(_ page: BatchPage, open: [BatchPage.Row], session: ReviewSession) -> String {
        render("confirm", ["batch": page.batch.id, "count": open.count, "csrf": session.csrfToken,
                           "rows": open.map { ["position": $0.position, "question": $0.question] }],
               title: "Approve \(open.count) items?", session: session)
    }

    /// `fieldErrors` holds what was wrong by field (a label's name, `reason`, `revised_*`), shown beside it.
    static func item(_ page: ItemPage, session: ReviewSession, error: String? = nil, fieldErrors: [String: String] = [:],
                     submitted: FormFields? = nil, saved: ReviewDecision? = nil) -> String {
        let item = page.member.item
        func selected(_ label: LabelSpec) -> [String] {
            submitted.map { $0.all("label.\(label.name)") } ?? page.chosen?.labels[label.name] ?? []
        }
        let choices = item.choices.enumerated().map { index, text -> [String: Any] in
            let letter = Item.letter(index)
            var choice: [String: Any] = ["letter": letter, "text": text, "index": index, "key": letter == item.answer]
            if let survey = item.survey, index < survey.distribution.count {
                let share = survey.distribution[index]
                choice["share"] = String(format: "%.1f", share * 100)
                choice["width"] = String(format: "%.1f", share * 100)
            }
            return choice
        }
        // Options are numbered across the round's labels; keys 1–9 pick the first nine.
        var shortcut = 0
        let labels = page.round.labels.map { label -> [String: Any] in
            var view: [String: Any] = ["name": label.name, "title": label.displayTitle, "description": label.description ?? false,
                                       "required": label.required, "field": "label.\(label.name)",
                                       "error": fieldErrors[label.name] ?? false]
            let chosen = selected(label)
            let options = { (values: [String]) in
                values.map { value -> [String: Any] in
                    shortcut += 1
                    var option: [String: Any] = ["value": value, "title": label.displayTitle(of: value), "checked": chosen.contains(value),
                                                 "about": label.valueDescriptions?[value] ?? false]
                    if shortcut <= 9 { option["key"] = shortcut }
                    return option
                }
            }
            switch label.kind {
            case .choice:
                view[label.multiple ? "multiple" : "single"] = options(label.values)
            case .boolean:
                view["single"] = options(["true", "false"])
            case .text:
                view["text"] = ["value": chosen.first ?? ""]
            }
            return view
        }
        var context: [String: Any] = [
            "batch": page.batch.id, "round": page.round.name, "position": page.position, "count": page.count,
            "previous": page.position > 1 ? page.position - 1 : false, "next": page.position < page.count ? page.position + 1 : false,
            "id": item.id, "contentHash": page.member.contentHash, "language": item.language, "subject": item.subject,
            "task": item.task.rawValue, "question": item.question, "choices": choices, "answer": item.answer ?? "—",
            "socialValue": item.survey != nil, "labels": labels, "csrf": session.csrfToken, "decided": page.decided,
            "approve": page.round.decisions.contains(.approve), "reject": page.round.decisions.contains(.reject),
            // A survey item's text is the questionnaire's: it is approved or rejected, never revised.
            "revise": page.round.decisions.contains(.revise) && item.task != .socialValue,
            "source": ["kind": item.source.kind, "document": item.source.document, "element": item.source.element,
                       "license": item.source.license ?? "not stated", "author": item.source.author.map { $0.isEmpty ? false as Any : $0 } ?? false],
            "otherVotes": page.otherVotes.map { ["reviewer": $0.reviewer, "decision": $0.decision, "reason": $0.reason] },
            "adjudication": page.batch.kind != .review,
            "change": page.changedFrom.map { base -> [String: Any] in
                let old = base.item
                var lines: [String] = []
                for index in 0..<max(old.choices.count, item.choices.count) {
                    let before = index < old.choices.count ? old.choices[index] : "—", after = index < item.choices.count ? item.choices[index] : "—"
                    if before != after { lines.append("\(Item.letter(index)): \(before) → \(after)") }
                }
                if old.answer != item.answer { lines.append("answer: \(old.answer ?? "—") → \(item.answer ?? "—")") }
                return ["version": base.version, "note": base.note, "choiceChanges": lines,
                        "segments": WordDiff.segments(old: old.question, new: item.question).map { [$0.kind.rawValue: true, "text": $0.text] }]
            } ?? false,
            "guidelines": guidelinesHTML(page.round) ?? false,
            "hasEarlier": !page.earlier.isEmpty,
            "earlier": page.earlier.map { version -> [String: Any] in
                ["version": version.version, "question": version.item.question, "choices": version.item.choices.joined(separator: " · "),
                 "answer": version.item.answerText ?? version.item.answer ?? "—", "origin": version.revisedIn.map { "revised in \($0)" } ?? "from the raw files",
                 "decisions": version.decisions.map { ["round": $0.round, "reviewer": $0.reviewer, "decision": $0.decision, "reason": $0.reason] }]
            },
        ]
        context["dir"] = direction(of: item.language)
        if let translation = item.translation {
            // No system is false rather than absent: an absent name is looked up in the enclosing context.
            context["translation"] = ["origin": translation.origin.rawValue.replacingOccurrences(of: "_", with: "-"),
                                      "system": translation.system.map { $0 as Any } ?? false, "sourceLanguage": translation.sourceLanguage]
        }
        if let original = page.original?.item {
            context["original"] = [
                "sourceLanguage": original.language, "sourceDir": direction(of: original.language), "sourceID": original.id,
                "sourceQuestion": original.question, "sourceAnswer": original.answer ?? "—",
                "sourceChoices": original.choices.enumerated().map { ["letter": Item.letter($0.offset), "text": $0.element,
                                                                      "key": Item.letter($0.offset) == original.answer] },
            ]
        }
        if let survey = item.survey {
            context["survey"] = ["n": survey.n, "nEffective": String(format: "%.0f", survey.nEffective),
                                 "moe": String(format: "%.1f", survey.marginOfError * 100), "contested": survey.contested,
                                 "weighting": survey.weighting]
        }
        if let passage = page.passage {
            context["passage"] = ["headings": passage.headings.joined(separator: " › "), "text": passage.text, "language": passage.language]
        }
        if let error { context["error"] = error }
        if let reason = fieldErrors["reason"] { context["reasonError"] = reason }
        let revisionErrors = fieldErrors.keys.filter { $0.hasPrefix("revised_") }.sorted().map { fieldErrors[$0]! }
        if !revisionErrors.isEmpty { context["reviseError"] = revisionErrors.joined(separator: "; ") }
        if let saved { context["saved"] = saved.rawValue }
        context["reason"] = submitted?["reason"] ?? page.chosen?.reason ?? ""
        context["comment"] = submitted?["comment"] ?? page.ownComment
        context["comments"] = page.comments.map { ["reviewer": $0.reviewer, "text": $0.text] }
        context["hasComments"] = !page.comments.isEmpty
        if let chosen = page.chosen {
            context["chosen"] = ["decision": chosen.decision, "at": chosen.at, "changed": chosen.changed, "reason": chosen.reason]
        }
        if let submitted, submitted["decision"] == "revise" {
            // The revision as typed, not the item's text, when the form comes back refused.
            context["revisedQuestion"] = submitted["question"] ?? item.question
            context["revisedAnswer"] = submitted["answer"] ?? (item.answer ?? "")
            context["revisedChoices"] = item.choices.indices.map { ["letter": Item.letter($0), "index": $0, "text": submitted["choice_\($0)"] ?? item.choices[$0]] }
            context["reviseOpen"] = true
        } else {
            context["revisedQuestion"] = item.question
            context["revisedAnswer"] = item.answer ?? ""
            context["revisedChoices"] = item.choices.indices.map { ["letter": Item.letter($0), "index": $0, "text": item.choices[$0]] }
        }
        return render("item", context, title: "\(page.batch.id) · \(page.position)/\(page.count)", session: session)
    }

    /// A round's guidelines as HTML. The Markdown is the curator's, and only Markdown: any HTML in it
    /// is shown as text, so that no markup reaches a reviewer's page from a pipeline file.
    static func guidelinesHTML(_ round: ReviewRound) -> String? {
        guard let text = round.guidelines, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return MarkdownParser().html(from: escaped)
    }

    /// Three decimals; a negative zero is shown as zero.
    /// Right to left for languages written in Arabic, Hebrew, Syriac or Thaana script (a script
    /// subtag decides where the tag has one).
    static func direction(of language: String) -> String {
        let parts = language.split(separator: "-").map { $0.lowercased() }
        if let script = parts.dropFirst().first(where: { $0.count == 4 }) {
            return ["arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"].contains(script) ? "rtl" : "ltr"
        }
        return ["ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug", "ur", "yi"].contains(parts.first ?? "") ? "rtl" : "ltr"
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.3f", $0 == 0 ? 0 : $0) } ?? "—" }

    /// One row of a curator's agreement table, with the interval and what alpha means.
    static func agreementRow(_ variable: VariableAgreement) -> [String: Any] {
        var row: [String: Any] = ["variable": variable.variable, "scope": variable.scope.replacingOccurrences(of: "subject=", with: ""),
                                  "items": variable.items, "fleiss": format(variable.fleissKappa), "fleissItems": variable.fleissItems,
                                  "alpha": format(variable.alphaNominal)]
        if let interval = variable.alphaNominalInterval { row["interval"] = "[\(format(interval[0])), \(format(interval[1]))]" }
        row["reading"] = variable.alphaNominal.map(Agreement.alphaReading) ?? "too few items with two or more votes"
        return row
    }

    static let templates: [String: String] = [
        "layout": """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · build-dataset review</title>
        <link rel="stylesheet" href="/static/app.css">
        <script src="/static/app.js" defer></script>
        </head>
        <body>
        <header>
          <a href="/" class="home">build-dataset review</a>
          {{#signedIn}}
          <span class="who">{{name}} ({{role}})</span>
          <form method="post" action="/sign-out" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button>Sign out</button></form>
          {{/signedIn}}
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """,
        "message": """
        <h1>{{title}}</h1>
        <p>{{text}}</p>
        """,
        "sign-in": """
        <h1>Please sign in</h1>
        <p>You are not signed in, or your session has ended. A sign-in link works only once: if you have used yours, you need a new one from the curator.</p>
        <p id="draft-note" class="saved" role="status" hidden>The decision you were sending is kept in this browser. Sign in with your new link and it comes back, filled in, for you to send again.</p>
        {{#sessionEnded}}
        <form method="post" action="/link-request"><button id="ask-link">Ask the curator for a new sign-in link</button></form>
        {{/sessionEnded}}
        """,
        "overview": """
        <h1>Item <code>{{id}}</code></h1>
        {{#versions}}
        <section class="card" lang="{{language}}">
          <p class="meta">Version {{version}}{{#current}} (current){{/current}}</p>
          <h2 class="question">{{question}}</h2>
          <ol class="choices">{{#choices}}<li><span class="letter">{{letter}}</span> {{text}}</li>{{/choices}}</ol>
          <p class="meta">Answer: {{answer}}</p>
          {{#hasVotes}}
          <table lang="en"><caption>Votes</caption>
          <thead><tr><th scope="col">Round</th><th scope="col">Reviewer</th><th scope="col">Decision</th><th scope="col">Labels</th><th scope="col">Reason</th></tr></thead>
          <tbody>{{#votes}}<tr><td>{{round}}</td><td>{{reviewer}}</td><td>{{decision}}</td><td>{{labels}}</td><td lang="{{language}}">{{reason}}</td></tr>{{/votes}}</tbody>
          </table>
          {{/hasVotes}}
          {{^hasVotes}}<p class="meta" lang="en">No votes on this version.</p>{{/hasVotes}}
          <ul class="comments" lang="en">{{#comments}}<li>{{round}}, <strong>{{reviewer}}</strong>: <span lang="{{language}}">{{text}}</span></li>{{/comments}}</ul>
        </section>
        {{/versions}}
        """,
        "dashboard": """
        <h1>Your batches</h1>
        {{#noBatches}}<p>No batches are assigned to you yet.</p>{{/noBatches}}
        {{^noBatches}}
        <table class="batches">
        <thead><tr><th>Batch</th><th>Round</th><th>Kind</th><th>Progress</th></tr></thead>
        <tbody>
        {{#batches}}
        <tr{{#done}} class="done"{{/done}}>
          <td>{{^closed}}<a href="/batches/{{id}}">{{id}}</a>{{/closed}}{{#closed}}{{id}} (closed){{/closed}}</td>
          <td>{{round}}</td><td>{{kind}}</td>
          <td><progress max="{{items}}" value="{{decided}}"></progress> {{decided}}/{{items}}</td>
        </tr>
        {{/batches}}
        </tbody>
        </table>
        {{/noBatches}}
        {{#curator}}
        {{#hasLinkRequests}}
        <section class="link-requests" id="link-requests"><h2>Reviewers asking for a new sign-in link</h2>
        <ul>{{#linkRequests}}<li><strong>{{reviewer}}</strong>, asked {{at}}: <code>build-dataset review reviewers link {{reviewer}}</code></li>{{/linkRequests}}</ul>
        </section>
        {{/hasLinkRequests}}
        <h2>Rounds</h2>
        {{#rounds}}
        <section class="round">
        <h3>{{name}}{{#closed}} (closed){{/closed}}</h3>
        <p>{{items}} items: {{approved}} approved, {{rejected}} rejected, {{disputed}} disputed; votes {{votesDone}}/{{votesExpected}}</p>
        <ul>{{#reviewers}}<li>{{id}}: {{decided}}/{{assigned}}</li>{{/reviewers}}</ul>
        <table class="agreement"><caption>Agreement between reviewers, over items with two or more votes</caption>
        <thead><tr><th scope="col">Question</th><th scope="col">Items</th><th scope="col">Krippendorff α [95% interval]</th><th scope="col">Reading</th><th scope="col">Fleiss κ (items)</th></tr></thead>
        <tbody>{{#agreement}}<tr><th scope="row">{{variable}}</th><td>{{items}}</td><td>{{alpha}} {{interval}}</td><td>{{reading}}</td><td>{{fleiss}} ({{fleissItems}})</td></tr>{{/agreement}}</tbody></table>
        <p class="meta">α: 1 is perfect agreement, 0 what chance gives; at least 0.800 is reliable, at least 0.667 good enough for tentative conclusions (Krippendorff). The interval comes from 1,000 resamples of the items. — : too few items to measure.</p>
        <details><summary>By subject</summary>
        <table><thead><tr><th scope="col">Question</th><th scope="col">Subject</th><th scope="col">Items</th><th scope="col">Krippendorff α</th><th scope="col">Reading</th></tr></thead>
        <tbody>{{#bySubject}}<tr><th scope="row">{{variable}}</th><td>{{scope}}</td><td>{{items}}</td><td>{{alpha}}</td><td>{{reading}}</td></tr>{{/bySubject}}</tbody></table>
        </details>
        <details class="disagreements" id="disagreements-{{name}}"{{#hasDisagreements}} open{{/hasDisagreements}}><summary>{{disagreementCount}} items on which reviewers disagree</summary>
        <ul>{{#disagreements}}<li><a href="/items/{{id}}">{{question}}</a> <span class="meta">{{votes}}</span></li>{{/disagreements}}</ul>
        </details>
        </section>
        {{/rounds}}
        {{/curator}}
        """,
        "batch": """
        <h1>Batch {{batch}}</h1>
        {{#guidelines}}<section class="guidelines" id="guidelines"><h2>Guidelines for round {{round}}</h2>{{{guidelines}}}</section>{{/guidelines}}
        <p>Round {{round}} ({{kind}}); {{remaining}} left to decide. <a href="/batches/{{batch}}/items/{{start}}" id="start">Start</a></p>
        <form method="get" action="/batches/{{batch}}" class="filters" role="search">
          <label>Show <select name="show">{{#states}}<option value="{{state}}"{{#selected}} selected{{/selected}}>{{state}}</option>{{/states}}</select></label>
          <label>Subject <select name="subject"><option value="">any</option>{{#subjects}}<option value="{{subject}}"{{#selected}} selected{{/selected}}>{{subject}}</option>{{/subjects}}</select></label>
          <label>Text <input type="search" name="q" value="{{text}}"></label>
          <button>Filter</button>
        </form>
        {{#filtered}}<p class="meta" role="status">{{shownCount}} of {{total}} items. <a href="/batches/{{batch}}">Show all</a></p>{{/filtered}}
        <ol class="rows">
        {{#rows}}
        <li value="{{position}}" class="{{#decided}}decided{{/decided}}{{^decided}}{{#shown}}shown{{/shown}}{{/decided}}"><a href="/batches/{{batch}}/items/{{position}}">{{question}}</a>{{#decided}} ✓{{/decided}}{{#flagged}} <span class="badge">flagged</span>{{/flagged}}</li>
        {{/rows}}
        </ol>
        {{#canApproveRest}}
        <form method="post" action="/batches/{{batch}}/approve-rest">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button id="approve-rest">Approve the rest of this batch ({{remaining}})</button>
        </form>
        {{/canApproveRest}}
        """,
        "confirm": """
        <h1>Approve the {{count}} items you have not decided in batch {{batch}}?</h1>
        <p>Each is approved as it stands, with no label. You have seen every one of them.</p>
        <ol class="rows">{{#rows}}<li value="{{position}}">{{question}}</li>{{/rows}}</ol>
        <form method="post" action="/batches/{{batch}}/approve-rest">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="confirm" value="yes">
          <input type="hidden" name="count" value="{{count}}">
          <button id="confirm-approve-rest">Approve these {{count}} items</button>
          <a href="/batches/{{batch}}">Back to the batch</a>
        </form>
        """,
        "item": """
        <nav class="pager">
          <a href="/batches/{{batch}}">Batch {{batch}}</a> · item {{position}} of {{count}}
          {{#previous}}<a href="/batches/{{batch}}/items/{{previous}}" id="previous" accesskey="k">← previous (k)</a>{{/previous}}
          {{#next}}<a href="/batches/{{batch}}/items/{{next}}" id="next" accesskey="j">next (j) →</a>{{/next}}
        </nav>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#saved}}<p class="saved" role="status">Saved: {{saved}} on the previous item.</p>{{/saved}}
        {{#guidelines}}<details class="guidelines" id="guidelines"><summary>Guidelines for round {{round}}</summary>{{{guidelines}}}</details>{{/guidelines}}
        {{#original}}<div class="parallel" id="parallel">
        <article class="card original" lang="{{sourceLanguage}}" dir="{{sourceDir}}" id="original">
          <p class="meta" lang="en" dir="ltr">The item translated ({{sourceLanguage}}) · <code>{{sourceID}}</code></p>
          <h2 class="question">{{sourceQuestion}}</h2>
          <ol class="choices">{{#sourceChoices}}<li class="{{#key}}key{{/key}}"><span class="letter">{{letter}}</span> {{text}}</li>{{/sourceChoices}}</ol>
          <p class="meta" lang="en" dir="ltr">Answer: <strong>{{sourceAnswer}}</strong></p>
        </article>{{/original}}
        <article class="card" lang="{{language}}" dir="{{dir}}" id="item">
          <p class="meta" lang="en" dir="ltr">{{subject}} · {{task}} · <code>{{id}}</code>{{#translation}} · {{origin}} translation from {{sourceLanguage}}{{#system}} ({{system}}){{/system}}{{/translation}}{{#decided}} · <strong>decided</strong>{{/decided}}</p>
          <h1 class="question">{{question}}</h1>
          <ol class="choices">
          {{#choices}}
            <li class="{{#key}}key{{/key}}"><span class="letter">{{letter}}</span> {{text}}{{#key}} <span class="badge">{{#socialValue}}most chosen{{/socialValue}}{{^socialValue}}key{{/socialValue}}</span>{{/key}}
            {{#share}}<span class="bar"><span style="width: {{width}}%"></span></span> {{share}}%{{/share}}</li>
          {{/choices}}
          </ol>
          {{#survey}}<p class="meta">n = {{n}}, effective n = {{nEffective}}, margin of error ±{{moe}} points; weighting: {{weighting}}</p>
          {{#contested}}<p class="meta" id="contested"><strong>Contested:</strong> the most chosen answer leads the next by no more than the margin of error, so the survey does not tell which of the two more people hold.</p>{{/contested}}{{/survey}}
          {{^socialValue}}<p class="meta">Answer: <strong>{{answer}}</strong></p>{{/socialValue}}
          {{#passage}}<blockquote class="passage" lang="{{language}}"><p class="meta">{{headings}}</p>{{text}}</blockquote>{{/passage}}
          <p class="meta" lang="en" dir="ltr">Source: {{source.kind}} {{source.document}}#{{source.element}}; licence {{source.license}}{{#source.author}}; author {{source.author}}{{/source.author}}</p>
        </article>
        {{#original}}</div>{{/original}}
        {{#hasComments}}
        <section class="comments" id="comments"><h2>Reviewers' notes</h2>
          <ul>{{#comments}}<li><strong>{{reviewer}}</strong>: <span lang="{{language}}">{{text}}</span></li>{{/comments}}</ul>
        </section>
        {{/hasComments}}
        {{#adjudication}}
        <section class="votes"><h2>Votes to settle</h2><ul>{{#otherVotes}}<li>{{reviewer}}: {{decision}} {{reason}}</li>{{/otherVotes}}</ul></section>
        {{/adjudication}}
        {{#change}}
        <section class="change" id="change"><h2>Changed since version {{version}}</h2>
          <p class="meta">{{note}}</p>
          <p class="diff" lang="{{language}}">{{#segments}}{{#removed}}<del>{{text}}</del>{{/removed}}{{#added}}<ins>{{text}}</ins>{{/added}}{{#same}}{{text}}{{/same}}{{/segments}}</p>
          <ul>{{#choiceChanges}}<li>{{.}}</li>{{/choiceChanges}}</ul>
        </section>
        {{/change}}
        {{#hasEarlier}}
        <section class="earlier" id="earlier"><h2>Decisions on earlier text</h2>
          <p class="meta">The item's text has changed since these decisions; they no longer count.</p>
          {{#earlier}}
          <details><summary>Version {{version}} ({{origin}}): {{question}}</summary>
            <p class="meta">Choices: {{choices}} · key: {{answer}}</p>
            <ul>{{#decisions}}<li>{{round}}: {{reviewer}} {{decision}}{{#reason}} — {{reason}}{{/reason}}</li>{{/decisions}}</ul>
          </details>
          {{/earlier}}
        </section>
        {{/hasEarlier}}
        {{#chosen}}<p class="chosen" id="chosen" role="status">Your decision: <strong>{{decision}}</strong>{{#reason}} ({{reason}}){{/reason}}, {{#changed}}changed {{/changed}}{{at}}. You can change it until the round settles this item.</p>{{/chosen}}
        <form method="post" action="/batches/{{batch}}/items/{{id}}/decision" id="decide">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="content_hash" value="{{contentHash}}">
          {{#labels}}
          <fieldset class="label" id="label-{{name}}"{{#error}} aria-describedby="error-{{name}}"{{/error}}><legend>{{title}}{{#required}} <span aria-label="required">*</span>{{/required}}</legend>
            {{#error}}<p class="error" id="error-{{name}}">{{error}}</p>{{/error}}
            {{#description}}<p class="label-help">{{description}}</p>{{/description}}
            {{#single}}<label><input type="radio" name="{{field}}" value="{{value}}"{{#checked}} checked{{/checked}}{{#key}} data-key="{{key}}"{{/key}}> {{title}}{{#key}} <kbd>{{key}}</kbd>{{/key}}{{#about}} <small>{{about}}</small>{{/about}}</label>{{/single}}
            {{#multiple}}<label><input type="checkbox" name="{{field}}" value="{{value}}"{{#checked}} checked{{/checked}}{{#key}} data-key="{{key}}"{{/key}}> {{title}}{{#key}} <kbd>{{key}}</kbd>{{/key}}{{#about}} <small>{{about}}</small>{{/about}}</label>{{/multiple}}
            {{#text}}<label>{{title}} <input type="text" name="{{field}}" value="{{value}}"></label>{{/text}}
          </fieldset>
          {{/labels}}
          <label class="comment">Your note on this item (optional; others see it once they have decided)
            <textarea name="comment" id="comment" rows="2" lang="{{language}}">{{comment}}</textarea></label>
          <div class="actions">
            {{#approve}}<button name="decision" value="approve" id="approve">Approve (a)</button>{{/approve}}
            {{#reject}}<input type="text" name="reason" id="reason" placeholder="Reason for rejecting" lang="{{language}}" value="{{reason}}" aria-label="Reason for rejecting"{{#reasonError}} aria-invalid="true" aria-describedby="error-reason"{{/reasonError}}>
            <button name="decision" value="reject" id="reject">Reject (r)</button>{{/reject}}
          </div>
          {{#reasonError}}<p class="error" id="error-reason">{{reasonError}}</p>{{/reasonError}}
          {{#revise}}
          <details id="revise-panel"{{#reviseOpen}} open{{/reviseOpen}}><summary>Revise (e)</summary>
            {{#reviseError}}<p class="error" id="error-revision">{{reviseError}}</p>{{/reviseError}}
            <label>Question <textarea name="question" id="revised-question" rows="3" lang="{{language}}" dir="{{dir}}">{{revisedQuestion}}</textarea></label>
            {{#revisedChoices}}<label>{{letter}} <input type="text" name="choice_{{index}}" value="{{text}}" lang="{{language}}" dir="{{dir}}"></label>{{/revisedChoices}}
            <label>Answer <input type="text" name="answer" value="{{revisedAnswer}}" size="2"></label>
            <button name="decision" value="revise" id="revise">Save revision</button>
          </details>
          {{/revise}}
        </form>
        <p class="help">Keys: a approve · r reason and reject · e revise · 1–9 label options · j next · k previous</p>
        """,
    ]

    static let css = """
    /* CJK fallbacks after the system face: Korean first, then Japanese and Chinese faces. */
    :root { font-family: system-ui, "Noto Sans KR", "Noto Sans CJK KR", "Source Han Sans KR", "Apple SD Gothic Neo", "Malgun Gothic",
            "Noto Sans CJK JP", "Hiragino Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; line-height: 1.5; }
    body { margin: 0 auto; max-width: 52rem; padding: 0 1rem 3rem; }
    :lang(ko) { word-break: keep-all; overflow-wrap: anywhere; }
    header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .75rem 0; border-bottom: 1px solid #ccc; }
    a { color: #0b4f9c; } code { overflow-wrap: anywhere; }
    :focus-visible { outline: 3px solid #0b4f9c; outline-offset: 2px; }
    header .home { font-weight: 600; margin-right: auto; }
    form.inline { display: inline; }
    table { border-collapse: collapse; width: 100%; } td, th { padding: .3rem .5rem; border-bottom: 1px solid #eee; text-align: left; }
    td, th { overflow-wrap: normal; word-break: normal; }
    tr.done td { color: #666; }
    .card { border: 1px solid #ccc; border-radius: .5rem; padding: 1rem 1.25rem; margin: 1rem 0; }
    .parallel { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin: 1rem 0; } .parallel .card { margin: 0; min-width: 0; }
    .card.original { background: #f6f6f6; } .card h2.question { font-size: 1.25rem; }
    .question { font-size: 1.3rem; font-weight: 600; }
    .choices { list-style: none; padding-left: 0; } .choices li { margin: .3rem 0; } .choices .key { font-weight: 600; }
    .letter { display: inline-block; min-width: 1.5rem; font-weight: 600; }
    .badge { font-size: .75rem; background: #1a7f37; color: #fff; border-radius: .25rem; padding: 0 .3rem; }
    .bar { display: inline-block; width: 8rem; height: .7rem; background: #eee; vertical-align: middle; }
    .bar span { display: block; height: 100%; background: #3b6fb6; }
    .meta { color: #555; font-size: .9rem; }
    .passage { border-left: 3px solid #ccc; margin: 1rem 0; padding-left: 1rem; white-space: pre-wrap; }
    .actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; } .actions input { flex: 1; min-width: 12rem; }
    button { font-size: 1rem; padding: .4rem .9rem; } fieldset { margin: .5rem 0; }
    details label { display: block; margin: .4rem 0; } textarea, details input { width: 100%; font: inherit; }
    kbd { font-size: .75rem; border: 1px solid #bbb; border-radius: .2rem; padding: 0 .25rem; color: #555; }
    .error { color: #b00020; font-weight: 600; } .rows .decided { color: #666; } .rows .shown { font-style: italic; }
    del { background: #fde2e1; color: #8a1c1c; } ins { background: #dcf5e3; color: #0f5323; }
    .saved { background: #e6f4ea; border-left: 4px solid #1a7f37; padding: .3rem .6rem; }
    @media (max-width: 40rem) {
      body { padding: 0 .5rem 2rem; } .question { font-size: 1.15rem; }
      .parallel { grid-template-columns: 1fr; }
      table { display: block; overflow-x: auto; } .bar { width: 5rem; } .actions input { min-width: 0; }
    }
    """

    /// The keyboard: shortcuts act only when no text field has the focus. And a decision being
    /// sent is kept in the browser until the server has taken it, so that a session that ended
    /// while the form was filled in costs the reviewer only signing in again.
    static let script = """
    const draftKey = 'build-dataset:unsent';
    const decideForm = document.getElementById('decide');
    if (decideForm) {
      decideForm.addEventListener('submit', (event) => {
        const fields = [...new FormData(decideForm, event.submitter)].filter(([name]) => name !== 'csrf');
        localStorage.setItem(draftKey, JSON.stringify({ action: decideForm.getAttribute('action'), page: location.pathname, fields }));
      });
    }
    (() => {
      const draft = JSON.parse(localStorage.getItem(draftKey) || 'null');
      if (!draft) return;
      // The server took it: the page it sends next says what was saved.
      if (new URLSearchParams(location.search).has('saved')) { localStorage.removeItem(draftKey); return; }
      const note = document.getElementById('draft-note');
      if (note) { note.hidden = false; return; }
      const main = document.querySelector('main');
      const fields = new Map();
      for (const [name, value] of draft.fields) fields.set(name, [...(fields.get(name) || []), value]);
      if (decideForm && decideForm.getAttribute('action') === draft.action) {
        // A refused form comes back filled in by the server; an item changed since is not refilled.
        if (document.querySelector('.error')) return;
        const hash = decideForm.elements['content_hash'];
        if (!hash || (fields.get('content_hash') || [])[0] !== hash.value) { localStorage.removeItem(draftKey); return; }
        for (const input of decideForm.elements) {
          if (!input.name || input.type === 'hidden' || input.tagName === 'BUTTON') continue;
          const values = fields.get(input.name) || [];
          if (input.type === 'radio' || input.type === 'checkbox') input.checked = values.includes(input.value);
          else if (values.length > 0) input.value = values[0];
        }
        const decision = (fields.get('decision') || [])[0];
        if (decision === 'revise') { const panel = document.getElementById('revise-panel'); if (panel) panel.open = true; }
        const restored = document.createElement('p');
        restored.id = 'restored'; restored.className = 'saved'; restored.setAttribute('role', 'status');
        restored.textContent = `Your unsent decision${decision ? ` (${decision})` : ''} is filled in again: check it and send it.`;
        decideForm.before(restored);
      } else if (main && draft.page && draft.page.startsWith('/batches/')) {
        const resume = document.createElement('p');
        resume.className = 'saved'; resume.setAttribute('role', 'status');
        const link = document.createElement('a');
        link.id = 'resume'; link.href = draft.page; link.textContent = 'Go back to it';
        resume.append('You have a decision that was not sent. ', link);
        main.prepend(resume);
      }
    })();

    document.addEventListener('keydown', (event) => {
      const target = event.target;
      const typing = target instanceof HTMLElement && (target.tagName === 'INPUT' && target.type === 'text' || target.tagName === 'TEXTAREA');
      const form = document.getElementById('decide');
      if (typing) {
        if (target.id === 'reason' && event.key === 'Enter') { event.preventDefault(); form.requestSubmit(document.getElementById('reject')); }
        if (event.key === 'Escape') target.blur();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const click = (id, selector) => {
        const element = id ? document.getElementById(id) : document.querySelector(selector);
        if (element) { event.preventDefault(); element.click(); }
      };
      switch (event.key) {
        case 'a': if (form && document.getElementById('approve')) { event.preventDefault(); form.requestSubmit(document.getElementById('approve')); } break;
        case 'r': { const reason = document.getElementById('reason'); if (reason) { event.preventDefault(); reason.focus(); } break; }
        case 'e': { const panel = document.getElementById('revise-panel'); if (panel) { event.preventDefault(); panel.open = true; document.getElementById('revised-question').focus(); } break; }
        case 'j': click('next'); break;
        case 'k': click('previous'); break;
        default:
          if (/^[1-9]$/.test(event.key)) click(null, `input[data-key="${event.key}"]`);
      }
    });
    """
}
