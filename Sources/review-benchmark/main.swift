// The review page under load: many reviewers signing in and deciding at once over loopback,
// for a bounded time. Every decision a client saw accepted must be in the review database
// exactly once; a double-clicked form must not store a second one. See README "Benchmarks".
//
//   swift run -c release review-benchmark [--reviewers 50] [--seconds 60] [...]   (`--help` lists the options)
//
// Without --reading-seconds the clients never pause (throughput: the server's capacity); with it,
// each reviewer reads every card for a time drawn evenly from the range before deciding, as people
// do, and the latencies are what a reviewer feels at that rate. With --curator-every, a curator
// opens their page (every round's progress and agreement, over the whole pool) meanwhile.
import ArgumentParser
import AsyncHTTPClient
import BenchmarkSupport
import DatasetCore
import Foundation
import NIOCore
import NIOHTTP1
import ReviewServer
import ReviewStore

// A command for its usage and checks only: the script below runs once the options are read.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-benchmark",
        abstract: "Many reviewers deciding at once on the review page over loopback; every accepted decision must be stored exactly once.")

    @Option(help: "How many reviewers sign in and decide at once.")
    var reviewers = 50
    @Option(help: "How long the load runs.")
    var seconds = 60.0
    @Option(help: "Items registered per reviewer.")
    var itemsPerReviewer = 400
    @Option(help: "Items in a batch.")
    var batchSize = 50
    @Option(help: "Every Nth decision is sent twice, as a double click does.")
    var doubleSubmitEvery = 20
    @Option(help: "Seconds a reviewer reads each card before deciding, drawn evenly from a range such as 2-5 (default: no pause).")
    var readingSeconds: String?
    @Option(help: "Exit 1 when the 99th percentile of decision latency is above this many milliseconds (0: no limit).")
    var maxP99Ms = 0.0
    @Option(help: "A curator opens their page (every round's progress and agreement) every this many seconds meanwhile (0: no curator).")
    var curatorEvery = 0.0

    /// `--reading-seconds` as a range: "2-5", or "3" for a fixed time.
    var readingRange: ClosedRange<Double>? {
        get throws {
            guard let text = readingSeconds else { return nil }
            let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Double($0) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil, 0 <= low, low <= high else {
                throw ValidationError("--reading-seconds takes a range of seconds such as 2-5, or one number")
            }
            return low...high
        }
    }

    func validate() throws {
        guard curatorEvery >= 0 else { throw ValidationError("--curator-every must be 0 or more") }
        guard reviewers > 0, seconds > 0, itemsPerReviewer > 0, batchSize > 0, doubleSubmitEvery > 0 else {
            throw ValidationError("--reviewers, --seconds, --items-per-reviewer, --batch-size and --double-submit-every must be above 0")
        }
        _ = try readingRange
    }
}

let options = Options.parseOrExit()
let reviewerCount = options.reviewers
let duration = options.seconds
let itemsPerReviewer = options.itemsPerReviewer
let batchSize = options.batchSize
let doubleSubmitEvery = options.doubleSubmitEvery
let readingSeconds = try options.readingRange.flatMap { $0.upperBound > 0 ? $0 : nil }
let maxP99 = options.maxP99Ms
let curatorEvery = options.curatorEvery

// MARK: - A review database: reviewers, items, one open round with a required label

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("review-benchmark-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
let databaseURL = directory.appendingPathComponent("review.sqlite")
let plan = ReviewPlan(rounds: [ReviewRound(name: "check", reviewersPerItem: 1, batchSize: batchSize,
                                           labels: [LabelSpec.known("time_sensitive")!])])
let setupStart = DispatchTime.now()
let reviewers = (0..<reviewerCount).map { String(format: "r%03d", $0) }
do {
    let store = try ReviewStore(url: databaseURL)
    for id in reviewers { try store.addReviewer(Reviewer(id: id, name: "검토자 \(id)", role: .reviewer), actor: "benchmark") }
    try store.addReviewer(Reviewer(id: "curator", name: "Curator", role: .curator), actor: "benchmark")
    let items = (0..<reviewerCount * itemsPerReviewer).map { index in
        Item(id: String(format: "ck-%07d", index), task: .commonKnowledge, subject: "history", language: "ko",
             question: "다음 중 조선을 세운 사람은 누구인가? (\(index))", choices: ["이성계", "왕건", "세종", "정도전"], answer: "A",
             choicesOrdered: false,
             source: ItemSource(kind: "authored", sourceID: "bench", document: "items.xml", element: "q\(index)", license: "CC-BY-4.0",
                                revision: "1"))
    }
    try store.register(items, actor: "benchmark")
    _ = try store.open("check", plan: plan, actor: "benchmark")
    _ = try store.assign(round: "check", plan: plan, actor: "benchmark")
}
let store = try ReviewStore(url: databaseURL)
print("setup: \(reviewerCount) reviewers, \(reviewerCount * itemsPerReviewer) items in batches of \(batchSize), "
      + String(format: "%.1f s", seconds(since: setupStart)))

// MARK: - The server, on a free loopback port

let service = try ReviewService(databaseURL: databaseURL, plan: plan)
let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
let server = Task { try await ReviewRoutes(service: service).run(host: "127.0.0.1", port: 0) { portSink.yield($0) } }
guard let port = await ports.first(where: { _ in true }) else { fatalError("the server did not start") }
let origin = "http://127.0.0.1:\(port)"

var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(60)))
configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: reviewerCount * 2)
let load = Load(client: HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration), origin: origin)

// MARK: - One reviewer: sign in, then open each item and decide, until time is up

struct Tally: Sendable {
    var pageLatencies: [Double] = []
    var decisionLatencies: [Double] = []
    /// Item ids the server accepted a decision on (a redirect to the next item).
    var decided: [String] = []
    var doubleSubmits = 0
    var errors: [String] = []
    /// Whether the reviewer decided everything assigned before the time was up.
    var finishedEarly = false
}

/// The clients' side: real HTTP over loopback, one connection per reviewer (and one more for a double click).
struct Load: Sendable {
    let client: HTTPClient
    let origin: String
    // Compiled once: a regex literal is parsed where it is evaluated.
    nonisolated(unsafe) static let decisionAction = /action="(\/batches\/[^"]+\/items\/([^"\/]+)\/decision)"/
    nonisolated(unsafe) static let contentHash = /name="content_hash" value="([^"]+)"/
    nonisolated(unsafe) static let csrfToken = /name="csrf" value="([^"]+)"/
    nonisolated(unsafe) static let message = /<p[^>]*>([^<]*)<\/p>/

    func send(_ path: String, method: HTTPMethod = .GET, cookie: String? = nil, form: String? = nil) async throws -> (HTTPResponseStatus, HTTPHeaders, String, Double) {
        var request = HTTPClientRequest(url: origin + path)
        request.method = method
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let start = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = String(buffer: try await response.body.collect(upTo: 4 << 20))
        let elapsed = ContinuousClock.now - start
        return (response.status, response.headers, body, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    func review(as reviewer: String, token: String, batches: [String], until deadline: ContinuousClock.Instant) async -> Tally {
        var tally = Tally()
        var generator = SplitMix64(seed: 7, label: reviewer)
        do {
            // Paced reviewers do not all arrive in the same instant either.
            if let reading = readingSeconds { try await Task.sleep(for: .seconds(Double.random(in: 0...reading.upperBound, using: &generator))) }
            let (status, headers, _, _) = try await send("/sign-in/\(token)")
            guard status == .seeOther, let cookie = headers.first(name: "Set-Cookie")?.split(separator: ";").first.map(String.init) else {
                tally.errors.append("\(reviewer) sign-in: \(status)")
                return tally
            }
            var csrf = ""
            for batch in batches {
                var path = "/batches/\(batch)/items/1"
                while ContinuousClock.now < deadline {
                    let (status, _, page, latency) = try await send(path, cookie: cookie)
                    tally.pageLatencies.append(latency)
                    guard status == .ok,
                          let action = page.firstMatch(of: Self.decisionAction),
                          let hash = page.firstMatch(of: Self.contentHash),
                          let token = page.firstMatch(of: Self.csrfToken) else {
                        tally.errors.append("\(reviewer) GET \(path): \(status)")
                        break
                    }
                    csrf = String(token.1)
                    let itemID = String(action.2)
                    if let reading = readingSeconds {
                        try await Task.sleep(for: .seconds(Double.random(in: reading, using: &generator)))
                        guard ContinuousClock.now < deadline else { break }
                    }
                    // Every tenth item is rejected with a reason in Korean; the rest approved with the label.
                    let number = tally.decided.count + 1
                    let fields = number % 10 == 0
                        ? "decision=reject&reason=\(Self.encode("보기가 모호함"))"
                        : "decision=approve&label.time_sensitive=false"
                    let form = "csrf=\(Self.encode(csrf))&content_hash=\(hash.1)&\(fields)"
                    // A double click: the same form twice at once. Both answer with a redirect; one decision is stored.
                    let copies = number % doubleSubmitEvery == 0 ? 2 : 1
                    let target = String(action.1)
                    let responses = try await withThrowingTaskGroup(of: (HTTPResponseStatus, HTTPHeaders, String, Double).self) { group in
                        for _ in 0..<copies { group.addTask { try await send(target, method: .POST, cookie: cookie, form: form) } }
                        var responses: [(HTTPResponseStatus, HTTPHeaders, String, Double)] = []
                        for try await response in group { responses.append(response) }
                        return responses
                    }
                    if copies == 2 { tally.doubleSubmits += 1 }
                    for (status, _, body, latency) in responses {
                        tally.decisionLatencies.append(latency)
                        if status != .seeOther {
                            tally.errors.append("\(reviewer) POST \(action.1): \(status) \(body.firstMatch(of: Self.message)?.1 ?? "")")
                        }
                    }
                    guard responses.allSatisfy({ $0.0 == .seeOther }) else { break }
                    tally.decided.append(itemID)
                    guard let next = responses[0].1.first(name: "Location"), next.contains("/items/") else { break }
                    path = next
                }
            }
            tally.finishedEarly = ContinuousClock.now < deadline && tally.errors.isEmpty
        } catch {
            tally.errors.append("\(reviewer): \(error)")
        }
        return tally
    }
}

extension Load {
    /// The curator: signs in, then opens their page every `every` seconds until the deadline.
    func watch(token: String, every: Double, until deadline: ContinuousClock.Instant) async -> Tally {
        var tally = Tally()
        do {
            let (status, headers, _, _) = try await send("/sign-in/\(token)")
            guard status == .seeOther, let cookie = headers.first(name: "Set-Cookie")?.split(separator: ";").first.map(String.init) else {
                tally.errors.append("curator sign-in: \(status)")
                return tally
            }
            while ContinuousClock.now < deadline {
                let (status, _, page, latency) = try await send("/", cookie: cookie)
                guard status == .ok, page.contains("Rounds") else {
                    tally.errors.append("curator GET /: \(status)")
                    break
                }
                tally.pageLatencies.append(latency)
                try await Task.sleep(until: min(ContinuousClock.now + .seconds(every), deadline))
            }
        } catch {
            tally.errors.append("curator: \(error)")
        }
        return tally
    }
}

// MARK: - Run

let assigned = Dictionary(grouping: try store.batches(round: "check"), by: { $0.reviewers.first! }).mapValues { $0.map(\.id).sorted() }
let tokens = try reviewers.map { try store.issueSignInToken(reviewer: $0) }
print("server: \(origin); \(reviewerCount) reviewers deciding for \(Int(duration)) s, "
      + (readingSeconds.map { "reading each card for \($0.lowerBound.formatted())–\($0.upperBound.formatted()) s" } ?? "without pausing"))
let runStart = ContinuousClock.now
let deadline = runStart + .seconds(duration)
func runReviewers(_ load: Load, _ work: [(reviewer: String, token: String, batches: [String])], until deadline: ContinuousClock.Instant) async -> [Tally] {
    await withTaskGroup(of: Tally.self) { group in
        for (reviewer, token, batches) in work {
            group.addTask { await load.review(as: reviewer, token: token, batches: batches, until: deadline) }
        }
        var tallies: [Tally] = []
        for await tally in group { tallies.append(tally) }
        return tallies
    }
}
let curatorToken = try store.issueSignInToken(reviewer: "curator")
let curator = Task { curatorEvery > 0 ? await load.watch(token: curatorToken, every: curatorEvery, until: deadline) : Tally() }
let tallies = await runReviewers(load, reviewers.indices.map { (reviewers[$0], tokens[$0], assigned[reviewers[$0]] ?? []) }, until: deadline)
let elapsed = ContinuousClock.now - runStart
let curatorTally = await curator.value
let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
try await load.client.shutdown().get()
server.cancel()

// MARK: - Report and check against the database

/// The nearest-rank percentile, in milliseconds.
func percentileMilliseconds(_ values: [Double], _ p: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))] * 1000
}

func percentile(_ values: [Double], _ p: Double) -> String {
    percentileMilliseconds(values, p).map { String(format: "%.1f ms", $0) } ?? "—"
}

let pages = tallies.flatMap(\.pageLatencies), posts = tallies.flatMap(\.decisionLatencies)
let errors = tallies.flatMap(\.errors) + curatorTally.errors
let accepted = tallies.flatMap(\.decided)
let all = pages + posts
print(String(format: "requests: %d in %.1f s (%.0f/s); decisions accepted: %d (%.0f/s); double submits: %d",
             all.count, wall, Double(all.count) / wall, accepted.count, Double(accepted.count) / wall, tallies.map(\.doubleSubmits).reduce(0, +)))
print("latency   p50        p90        p99        max")
for (name, values) in [("item page", pages), ("decision", posts), ("all", all)] + (curatorEvery > 0 ? [("curator", curatorTally.pageLatencies)] : []) {
    print("\(name.padding(toLength: 10, withPad: " ", startingAt: 0))\([50.0, 90, 99, 100].map { percentile(values, $0).padding(toLength: 11, withPad: " ", startingAt: 0) }.joined())")
}
print("peak resident memory (server and clients): \(peakResidentKilobytes() / 1024) MiB")

let storedDecisions = try store.decisions()
let stored = storedDecisions.count, distinct = Set(storedDecisions.map { "\($0.itemID)/\($0.reviewer)" }).count
let storedIDs = Set(storedDecisions.map(\.itemID))
let lost = Set(accepted).subtracting(storedIDs)
let unexpected = storedIDs.subtracting(accepted)
print("database: \(stored) decisions, \(distinct) distinct (item, reviewer); lost \(lost.count), doubled \(stored - distinct), "
      + "stored without an accepted answer \(unexpected.count)")
for error in errors.prefix(10) { print("error: \(error)") }
let finishedEarly = tallies.filter(\.finishedEarly).count
if finishedEarly > 0 { print("note: \(finishedEarly) reviewers ran out of items before the time was up; give more with --items-per-reviewer") }
let p99 = percentileMilliseconds(all, 99) ?? 0
let fastEnough = maxP99 <= 0 || p99 <= maxP99
if !fastEnough { print(String(format: "p99 %.1f ms is above --max-p99-ms %.0f", p99, maxP99)) }
let ok = errors.isEmpty && lost.isEmpty && stored == distinct && unexpected.isEmpty && stored == accepted.count && fastEnough
print(ok ? "ok: no error, no lost or doubled decision" + (maxP99 > 0 ? String(format: ", p99 %.1f ms", p99) : "") : "FAILED: \(errors.count) errors")
// Removed here: `exit` skips a top-level `defer`, and each run left its database (0.9 GB) behind.
try? FileManager.default.removeItem(at: directory)
exit(ok ? 0 : 1)
