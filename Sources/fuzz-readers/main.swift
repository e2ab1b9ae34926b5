// Feeds mutated inputs to every reader of outside input (CSV, YAML, JSON, XML, batch files) for a
// bounded time, and fails on the first input that traps, hangs or runs away with memory. The
// input is kept where it can be replayed; a found crash is added to Tests/FuzzCorpus/<target>/
// and replayed by `FuzzRegressionTests` in every `swift test`.
//
//   swift run fuzz-readers [--seconds 20] [--runs N] [--seed 1] [--target csv] [--corpus Tests/FuzzCorpus]
//
// With --runs, each target stops after N mutated inputs (or the time, whichever comes first), so
// that a run is the same sequence of inputs on any machine.
// Mutation, not coverage guidance: seeded from real files (the corpus is copied from raw/ and the
// tests' fixtures), with byte flips, insertions, deletions, repeats, splices and tokens each
// format's parser treats specially. The generator is seeded, so a run can be repeated exactly.
import Foundation
import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var seconds = 20.0
    var runs = Int.max
    var seed: UInt64 = 1
    var target: String?
    var corpus = URL(fileURLWithPath: "Tests/FuzzCorpus")
    var found = URL(fileURLWithPath: ".build/fuzz-found")

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            guard let value = iterator.next() else { fail("\(argument) needs a value") }
            switch argument {
            case "--seconds": seconds = Double(value) ?? { fail("--seconds: not a number") }()
            case "--runs": runs = Int(value) ?? { fail("--runs: not a whole number") }()
            case "--seed": seed = UInt64(value) ?? { fail("--seed: not a whole number") }()
            case "--target": target = value
            case "--corpus": corpus = URL(fileURLWithPath: value)
            case "--found": found = URL(fileURLWithPath: value)
            default: fail("unknown option \(argument)")
            }
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fuzz-readers: \(message)\n".utf8))
    exit(2)
}

/// SplitMix64: small, fast and seeded, so that a run repeats exactly.
struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let tokens: [String: [String]] = [
    "csv": ["\"", ",", "\n", "\r\n", "\"\"", "=HYPERLINK(\"x\")", "99999999999999999999", "1e308", "-1", "nan", "\u{FEFF}", "\u{0}", "'", "@"],
    "yaml": ["&a ", "*a", "<<: *a\n", "!!binary ", "? ", "- ", ": ", "{", "}", "[", "]", "99999999999999999999", ".inf", "~", "\"\\u0000\"",
             "%YAML 1.1\n", "---\n", "...\n", "\t", "'"],
    "json": ["{", "}", "[", "]", "\"a\":", ",", "true", "null", "1e999", "1e300", "-9.3e18", "-0", "\"\\u0000\"", "\"\\ud800\"", "99999999999999999999", "\"id\":", "\\"],
    "xml": ["<!DOCTYPE d [", "<!ENTITY e \"x\">", "]>", "&e;", "<![CDATA[", "]]>", "<!--", "-->", "<?pi ?>", "&#0;", "&#x10FFFF;",
            "xmlns:x=\"urn:x\"", "<para id=\"", "\"/>", "</", "<exercise>", "<problem>", "<solution>", "<item>", "<choice correct=\"true\">"],
    "batch": ["{", "}", "\"decision\":", "\"approve\"", "\"labels\":", "[", "]", "\n", "null", "true", "99999999999999999999", "\"item_id\":"],
]

func mutate(_ input: [UInt8], seeds: [[UInt8]], tokens: [[UInt8]], using g: inout Generator) -> [UInt8] {
    var bytes = input
    for _ in 0..<Int.random(in: 1...4, using: &g) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &g)
        switch Int.random(in: 0..<7, using: &g) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &g))
        case 1:
            bytes.insert(UInt8.random(in: 0...255, using: &g), at: position)
        case 2 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...64, using: &g))
            bytes.removeSubrange(position..<end)
        case 3 where !bytes.isEmpty:
            // A piece repeated: long fields, deep nesting, many rows.
            let end = min(bytes.count, position + Int.random(in: 1...32, using: &g))
            let piece = Array(bytes[position..<end])
            let times = Int.random(in: 2...(Int.random(in: 0..<8, using: &g) == 0 ? 2_000 : 16), using: &g)
            bytes.insert(contentsOf: Array(repeating: piece, count: times).joined(), at: position)
        case 4:
            bytes.insert(contentsOf: tokens.randomElement(using: &g)!, at: position)
        case 5:
            // Spliced with another seed.
            let other = seeds.randomElement(using: &g)!
            guard !other.isEmpty else { break }
            let start = Int.random(in: 0..<other.count, using: &g)
            bytes = Array(bytes[..<position]) + other[start...]
        default:
            if !bytes.isEmpty { bytes[position] = [0x00, 0x0A, 0x22, 0x27, 0x3C, 0x3E, 0x26, 0xFF, 0xC3, 0xEA].randomElement(using: &g)! }
        }
    }
    return Array(bytes.prefix(512 << 10))
}

func residentKilobytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    return status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?.split(separator: " ").compactMap { Int($0) }.first ?? 0
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let targets = FuzzTarget.all.filter { options.target == nil || $0.name == options.target }
if targets.isEmpty { fail("no target named \(options.target!) (targets: \(FuzzTarget.all.map(\.name).joined(separator: ", ")))") }
try FileManager.default.createDirectory(at: options.found, withIntermediateDirectories: true)
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-readers-\(getpid())")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: scratch) }

// A watchdog: an input that runs over 20 s, or memory past 2 GB, stops the run with the input kept.
final class Watch: @unchecked Sendable {
    let lock = NSLock()
    var started = Date()
    var current = ""
}
let watch = Watch()
Thread.detachNewThread {
    while true {
        Thread.sleep(forTimeInterval: 0.2)
        watch.lock.lock()
        let (elapsed, current) = (Date().timeIntervalSince(watch.started), watch.current)
        watch.lock.unlock()
        let resident = residentKilobytes()
        if elapsed > 20 || resident > 2 << 20 {
            FileHandle.standardError.write(Data("fuzz-readers: \(elapsed > 20 ? "an input ran over 20 s" : "memory passed 2 GB (\(resident) KB)"); it is kept at \(current)\n".utf8))
            exit(3)
        }
    }
}

var generator = Generator(state: options.seed)
for target in targets {
    let folder = options.corpus.appendingPathComponent(target.name)
    let files = (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
        .filter { !$0.hasDirectoryPath }.sorted { $0.path < $1.path }
    let seeds = try files.map { [UInt8](try Data(contentsOf: $0)) }
    guard !seeds.isEmpty else { fail("no seeds in \(folder.path)") }
    let targetTokens = (tokens[target.name] ?? []).map { Array($0.utf8) }
    let kept = options.found.appendingPathComponent("\(target.name)-in-progress.\(target.fileExtension)")
    let end = Date().addingTimeInterval(options.seconds)
    var runs = 0
    // Every seed once as it is, then mutations until the time is up or the runs are done.
    var pending = seeds
    while !pending.isEmpty || (Date() < end && runs - seeds.count < options.runs) {
        let input = pending.popLast() ?? mutate(seeds.randomElement(using: &generator)!, seeds: seeds, tokens: targetTokens, using: &generator)
        let data = Data(input)
        try data.write(to: kept)
        watch.lock.lock()
        (watch.started, watch.current) = (Date(), kept.path)
        watch.lock.unlock()
        target.run(data, scratch: scratch)
        runs += 1
    }
    try? FileManager.default.removeItem(at: kept)
    print("\(target.name): \(runs) inputs from \(seeds.count) seeds, none trapped, hung or ran away")
}
