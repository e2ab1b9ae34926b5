public import Foundation
public import DatasetCore
import Release
import SchemaValidation

/// The pipeline file's `pilot` section: what a pilot's report compares with and flags.
public struct PilotSettings: Sendable, Equatable {
    /// A pass mark per task, on its main score (accuracy for common knowledge, SVA for social
    /// values): KorNAT's 0.6 for common knowledge is the GED's pass mark.
    public var referenceScores: [ItemTask: Double] = [:]
    /// Bootstrap resamples for every interval (seeded from the pipeline's seed).
    public var resamples = 1000
    /// An item at least this share of models get right is too easy.
    public var tooEasy = 0.95
    /// An item at most this share of models get right is too hard.
    public var tooHard = 0.05
    /// An item whose corrected point-biserial discrimination is below this discriminates
    /// the wrong way (stronger models get it wrong more often).
    public var minDiscrimination = 0.0
    /// A wrong choice picked by at most this share of models is a dead distractor.
    public var deadDistractorShare = 0.0
    /// Fewer models than this flag nothing: with one or two, every item is too easy or too hard.
    public var minModelsForFlags = 3
    /// Fewer models than this fit no 2PL model: below about twenty respondents the marginal
    /// likelihood is flat and discriminations run to their bounds.
    public var minModelsForIRT = 20
    /// The size of the information split (`pilot report` writes it); none when nil.
    public var informationItems: Int?

    public init() {}
}

/// One item of what a pilot ran on, with where the release put it.
public struct PilotItem: Sendable {
    public var item: Item
    public var config: String
    public var split: String
    public var contentHash: String

    public init(item: Item, config: String, split: String) {
        self.item = item
        self.config = config
        self.split = split
        contentHash = item.contentHash
    }
}

/// What a pilot ran on: a published version or the release candidate, named by a key that
/// changes when its items do (a candidate is named by its manifest's hash).
public struct PilotTarget: Sendable {
    public var key: String
    public var directory: URL
    public var items: [PilotItem]

    /// The slug that names its folder of reports: `release-1.0.0`, `candidate-<hash>`.
    public var slug: String { key.replacingOccurrences(of: " ", with: "-") }

    public static func release(version: String, directory: URL, displayName: String) throws -> PilotTarget {
        try PilotTarget(key: "release \(version)", directory: directory, displayName: displayName)
    }

    public static func candidate(directory: URL, displayName: String) throws -> PilotTarget {
        let manifest = directory.appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: manifest.path) else {
            throw InputError(file: displayName, "there is no release candidate: run `build-dataset run` first, or name a published version with --release")
        }
        let hash = try Hashing.sha256Hex(fileAt: manifest).sha256
        return try PilotTarget(key: "candidate \(hash.prefix(16))", directory: directory, displayName: displayName)
    }

    /// A target from items in memory (a release's files are read by `release` and `candidate`).
    public init(key: String, directory: URL, items: [PilotItem]) {
        self.key = key
        self.directory = directory
        self.items = items
    }

    init(key: String, directory: URL, displayName: String) throws {
        let manifestURL = directory.appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw InputError(file: displayName, "no manifest.json: not a release")
        }
        let items = try ReleaseContents.placedItems(in: directory, displayName: displayName).map {
            PilotItem(item: $0.item, config: $0.config, split: $0.split)
        }
        self.key = key
        self.directory = directory
        self.items = items
    }
}

/// A model's answer to one item: the choice it took and, when known, its log-likelihood of
/// every choice (from which its answer distribution is the softmax).
public struct PilotResponse: Sendable, Equatable {
    public var itemID: String
    public var choice: Int
    public var loglikelihoods: [Double]?

    public init(itemID: String, choice: Int, loglikelihoods: [Double]?) {
        self.itemID = itemID
        self.choice = choice
        self.loglikelihoods = loglikelihoods
    }
}

/// Reads a file of model answers: lm-evaluation-harness's logged samples (`--log_samples`,
/// `samples_<task>_<time>.jsonl`, one line per document with `doc`, `filtered_resps`), or a
/// plain JSON Lines file with `id` and `choice` (a letter) or `loglikelihoods` (one number per
/// choice), or both. A sample's choice is the one of highest log-likelihood, the first on a tie,
/// as lm-eval's `acc` takes it.
public enum PilotAnswerFile {
    public struct Line: Sendable {
        public var line: Int
        public var response: PilotResponse
    }

    /// Every answer of the file, checked against the target's items; every problem is thrown
    /// at once, each with its line and field. Unless `partial`, a file that answers some items
    /// of a config's split must answer all of them (lm-eval's `--limit` leaves some out).
    public static func read(_ data: Data, displayName: String, target: PilotTarget, partial: Bool) throws -> [Line] {
        let items = Dictionary(target.items.map { ($0.item.id, $0) }, uniquingKeysWith: { first, _ in first })
        var diagnostics = Diagnostics()
        var lines: [Line] = []
        var firstLine: [String: Line] = [:]
        for (index, range) in JSONLines.lineRanges(of: data).enumerated() {
            let lineNumber = index + 1
            let bytes = data[range]
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            func fail(_ field: String?, _ message: String) {
                diagnostics.error(SourceLocation(file: displayName, line: lineNumber, field: field), message)
            }
            guard diagnostics.errors.count < 50 else {
                diagnostics.error(SourceLocation(file: displayName, line: lineNumber), "stopped reading after 50 problems")
                break
            }
            let value: JSONValue
            do { value = try JSONValue.parse(Data(bytes)) } catch {
                fail(nil, "not JSON: \(error)")
                continue
            }
            guard case .object(let object) = value else { fail(nil, "expected a JSON object"); continue }
            let parsed = object["doc"] != nil ? harnessSample(object, fail) : plainAnswer(object, fail)
            guard let (id, choice, loglikelihoods, idField) = parsed else { continue }
            guard let pilotItem = items[id] else {
                fail(idField, "unknown item id '\(id)': \(target.key) has no such item")
                continue
            }
            let count = pilotItem.item.choices.count
            if let loglikelihoods, loglikelihoods.count != count {
                fail(object["doc"] != nil ? "filtered_resps" : "loglikelihoods",
                     "\(loglikelihoods.count) log-likelihoods, but item '\(id)' has \(count) choices")
                continue
            }
            let chosen = choice ?? loglikelihoods.map(argmax) ?? 0
            guard chosen < count else {
                fail("choice", "choice \(Item.letter(chosen)) is not one of item '\(id)''s \(count) choices (A–\(Item.letter(count - 1)))")
                continue
            }
            let line = Line(line: lineNumber, response: PilotResponse(itemID: id, choice: chosen, loglikelihoods: loglikelihoods))
            if let earlier = firstLine[id] {
                if earlier.response != line.response {
                    fail(idField, "item '\(id)' is answered again, differently from line \(earlier.line)")
                }
                continue
            }
            firstLine[id] = line
            lines.append(line)
        }
        if diagnostics.isEmpty, lines.isEmpty {
            diagnostics.error(SourceLocation(file: displayName), "no answers in the file")
        }
        if diagnostics.isEmpty, !partial {
            let answered = Set(lines.map(\.response.itemID))
            let touched = Set(lines.map { items[$0.response.itemID]!.config + "/" + items[$0.response.itemID]!.split })
            for part in touched.sorted() {
                let members = target.items.filter { "\($0.config)/\($0.split)" == part }
                let missing = members.filter { !answered.contains($0.item.id) }.map(\.item.id)
                guard !missing.isEmpty else { continue }
                diagnostics.error(SourceLocation(file: displayName),
                                  "answers \(members.count - missing.count) of the \(members.count) items of \(part) in \(target.key); "
                                  + "missing \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", …" : "") "
                                  + "(pass --partial to import a subset, as lm-eval's --limit gives)")
            }
        }
        try diagnostics.check()
        return lines
    }

    static func argmax(_ values: [Double]) -> Int {
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        return best
    }

    typealias Parsed = (id: String, choice: Int?, loglikelihoods: [Double]?, idField: String)

    /// An lm-eval logged sample of a multiple-choice task: `doc.id`, and per choice
    /// `[log-likelihood, is-greedy]` in `filtered_resps` (numbers or, as lm-eval writes them,
    /// strings).
    static func harnessSample(_ object: [String: JSONValue], _ fail: (String?, String) -> Void) -> Parsed? {
        guard case .object(let doc)? = object["doc"], case .string(let id)? = doc["id"] else {
            fail("doc.id", "an lm-eval sample needs the released record in 'doc', with its 'id'")
            return nil
        }
        guard case .array(let responses)? = object["filtered_resps"], !responses.isEmpty else {
            fail("filtered_resps", "an lm-eval sample of a multiple-choice task needs 'filtered_resps': one [log-likelihood, is-greedy] per choice")
            return nil
        }
        var loglikelihoods: [Double] = []
        for (index, response) in responses.enumerated() {
            let first: JSONValue? = if case .array(let pair) = response { pair.first } else { nil }
            let number: Double? = switch first {
            case .number(let value)?: value
            case .string(let text)?: Double(text)
            default: nil
            }
            guard let number, number.isFinite else {
                fail("filtered_resps[\(index)]", "expected [log-likelihood, is-greedy] with a finite log-likelihood (a generation task's samples cannot be scored here)")
                return nil
            }
            loglikelihoods.append(number)
        }
        return (id, nil, loglikelihoods, "doc.id")
    }

    static func plainAnswer(_ object: [String: JSONValue], _ fail: (String?, String) -> Void) -> Parsed? {
        for key in object.keys.sorted() where !["id", "choice", "loglikelihoods"].contains(key) {
            fail(key, "unknown field (a plain answer has id, choice and loglikelihoods; an lm-eval sample has doc and filtered_resps)")
            return nil
        }
        guard case .string(let id)? = object["id"] else {
            fail("id", object["id"] == nil ? "missing the item's id" : "expected the item's id as a string")
            return nil
        }
        var choice: Int?
        switch object["choice"] {
        case nil, .null?: break
        case .string(let letter)?:
            guard let index = Item.index(ofLetter: letter) else { fail("choice", "'\(letter)' is not a choice letter (A, B, …)"); return nil }
            choice = index
        default: fail("choice", "expected a choice letter such as \"B\""); return nil
        }
        var loglikelihoods: [Double]?
        switch object["loglikelihoods"] {
        case nil, .null?: break
        case .array(let values)?:
            var numbers: [Double] = []
            for (index, value) in values.enumerated() {
                guard case .number(let number) = value, number.isFinite else {
                    fail("loglikelihoods[\(index)]", "expected a finite number"); return nil
                }
                numbers.append(number)
            }
            loglikelihoods = numbers
        default: fail("loglikelihoods", "expected an array of numbers, one per choice"); return nil
        }
        if choice == nil, loglikelihoods == nil { fail("choice", "an answer needs 'choice' (a letter) or 'loglikelihoods'"); return nil }
        return (id, choice, loglikelihoods, "id")
    }
}
