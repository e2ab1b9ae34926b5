/// How much a person changed a machine translation: characters (Levenshtein), the same over the
/// longer text, and words (translation edit rate, TER, with shifts as Tercom and sacrebleu count
/// them). Written here because no Swift package computes TER; checked against sacrebleu in CI.
public enum EditRates {
    public struct Measures: Codable, Sendable, Hashable {
        /// Characters (Unicode scalars) inserted, deleted or substituted.
        public var characters: Int
        /// `characters` over the longer text's length; 0 for two empty texts.
        public var normalized: Double
        /// Word edits (shifts included) over the edited text's words, as sacrebleu's TER over 100.
        public var ter: Double
        public var wordEdits: Int
        public var words: Int

        enum CodingKeys: String, CodingKey {
            case characters, normalized, ter
            case wordEdits = "word_edits"
            case words
        }
    }

    /// The measures of turning `machine` into `edited`.
    public static func measure(machine: String, edited: String) -> Measures {
        let characters = levenshtein(Array(machine.unicodeScalars), Array(edited.unicodeScalars))
        let longest = max(machine.unicodeScalars.count, edited.unicodeScalars.count)
        let (edits, words) = translationEditRate(hypothesis: tercomWords(machine), reference: tercomWords(edited))
        let ter = words > 0 ? Double(edits) / Double(words) : (edits > 0 ? 1 : 0)
        return Measures(characters: characters, normalized: longest == 0 ? 0 : Double(characters) / Double(longest),
                        ter: ter, wordEdits: edits, words: words)
    }

    /// Edit distance with unit costs, two rows at a time.
    public static func levenshtein<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// sacrebleu's default TER tokenization: lower case, split at white space.
    static func tercomWords(_ text: String) -> [[Unicode.Scalar]] {
        text.lowercased().unicodeScalars.split { $0.properties.isWhitespace }.map(Array.init)
    }

    static let maxShiftSize = 10, maxShiftDistance = 50, beamWidth = 25, maxShiftCandidates = 1000

    /// Edits (shifts plus the edit distance after them) and the reference's length, as
    /// sacrebleu's `translation_edit_rate`: greedy shifts, each the one that lowers the beam
    /// edit distance most, ties broken the same way.
    static func translationEditRate(hypothesis: [[Unicode.Scalar]], reference: [[Unicode.Scalar]]) -> (edits: Int, length: Int) {
        guard !reference.isEmpty else { return (hypothesis.count, 0) }
        let distance = BeamEditDistance(reference: reference)
        var shifts = 0, words = hypothesis, checked = 0
        while true {
            let (delta, shifted, count) = bestShift(words, reference: reference, distance: distance, checked: checked)
            checked = count
            if checked >= maxShiftCandidates || delta <= 0 { break }
            shifts += 1
            words = shifted
        }
        return (shifts + distance.measure(words).distance, reference.count)
    }

    static func bestShift(_ words: [[Unicode.Scalar]], reference: [[Unicode.Scalar]], distance: BeamEditDistance,
                          checked start: Int) -> (delta: Int, words: [[Unicode.Scalar]], checked: Int) {
        let (before, inverse) = distance.measure(words)
        // The trace rewrites the hypothesis into the reference; read the other way round.
        let trace = inverse.map { $0 == "i" ? Character("d") : $0 == "d" ? Character("i") : $0 }
        var align: [Int: Int] = [:], referenceErrors: [Int] = [], hypothesisErrors: [Int] = []
        var positionH = -1, positionR = -1
        for operation in trace {
            switch operation {
            case " ", "s":
                positionH += 1; positionR += 1
                align[positionR] = positionH
                let error = operation == "s" ? 1 : 0
                hypothesisErrors.append(error); referenceErrors.append(error)
            case "i":
                positionH += 1
                hypothesisErrors.append(1)
            default:
                positionR += 1
                align[positionR] = positionH
                referenceErrors.append(1)
            }
        }
        var checked = start
        var best: (delta: Int, length: Int, startH: Int, index: Int, words: [[Unicode.Scalar]])?
        func better(_ a: (Int, Int, Int, Int, [[Unicode.Scalar]]), than b: (Int, Int, Int, Int, [[Unicode.Scalar]])) -> Bool {
            if a.0 != b.0 { return a.0 > b.0 }
            if a.1 != b.1 { return a.1 > b.1 }
            if a.2 != b.2 { return a.2 < b.2 }
            if a.3 != b.3 { return a.3 < b.3 }
            // Then the greater word list, as Python compares the tuples.
            return b.4.lexicographicallyPrecedes(a.4) { $0.lexicographicallyPrecedes($1) { $0.value < $1.value } }
        }
        pairs: for (startH, startR, length) in shiftedPairs(words, reference) {
            if hypothesisErrors[startH..<min(startH + length, hypothesisErrors.count)].reduce(0, +) == 0 { continue }
            if referenceErrors[startR..<min(startR + length, referenceErrors.count)].reduce(0, +) == 0 { continue }
            if let aligned = align[startR], startH <= aligned, aligned < startH + length { continue }
            var previous = -1
            for offset in -1..<length {
                let index: Int
                if startR + offset == -1 {
                    index = 0
                } else if let aligned = align[startR + offset] {
                    index = aligned + 1
                } else {
                    break
                }
                if index == previous { continue }
                previous = index
                let shifted = perform(words, start: startH, length: length, target: index)
                let candidate = (before - distance.measure(shifted).distance, length, startH, index, shifted)
                checked += 1
                if best == nil || better(candidate, than: best!) { best = candidate }
            }
            if checked >= maxShiftCandidates { break pairs }
        }
        guard let best else { return (0, words, checked) }
        return (best.delta, best.words, checked)
    }

    static func perform<T>(_ words: [T], start: Int, length: Int, target: Int) -> [T] {
        if target < start {
            return Array(words[..<target] + words[start..<(start + length)] + words[target..<start] + words[(start + length)...])
        } else if target > start + length {
            return Array(words[..<start] + words[(start + length)..<target] + words[start..<(start + length)] + words[target...])
        } else {
            return Array(words[..<start] + words[(start + length)..<(length + target)] + words[start..<(start + length)]
                         + words[(length + target)...])
        }
    }

    /// Runs of equal words, at most `maxShiftSize` long, starting at most `maxShiftDistance` apart.
    static func shiftedPairs(_ h: [[Unicode.Scalar]], _ r: [[Unicode.Scalar]]) -> [(Int, Int, Int)] {
        var pairs: [(Int, Int, Int)] = []
        for startH in h.indices {
            for startR in r.indices where abs(startR - startH) <= maxShiftDistance {
                var length = 0
                while length < maxShiftSize, startH + length < h.count, startR + length < r.count, h[startH + length] == r[startR + length] {
                    length += 1
                    pairs.append((startH, startR, length))
                }
            }
        }
        return pairs
    }

    /// Edit distance to a fixed reference, explored in a band around the diagonal, with the trace
    /// of operations (" " keep, "s" substitute, "i" insert, "d" delete) rewriting the reference.
    final class BeamEditDistance {
        let reference: [[Unicode.Scalar]]
        init(reference: [[Unicode.Scalar]]) { self.reference = reference }

        func measure(_ words: [[Unicode.Scalar]]) -> (distance: Int, trace: [Character]) {
            let infinity = Int(1e16), n = reference.count
            var dist = [[(cost: Int, op: Character)]](repeating: Array(repeating: (infinity, "x"), count: n + 1), count: words.count + 1)
            for j in 0...n { dist[0][j] = (j, "i") }
            let ratio = words.isEmpty ? 1 : Double(n) / Double(words.count)
            let width = Double(EditRates.beamWidth) < ratio / 2 ? Int((ratio / 2 + Double(EditRates.beamWidth)).rounded(.up)) : EditRates.beamWidth
            if !words.isEmpty {
                for i in 1...words.count {
                    let diagonal = Int((Double(i) * ratio).rounded(.down))
                    let low = max(0, diagonal - width)
                    let high = i == words.count ? n + 1 : min(n + 1, diagonal + width)
                    for j in low..<max(low, high) {
                        if j == 0 {
                            dist[i][0] = (dist[i - 1][0].cost + 1, "d")
                            continue
                        }
                        let same = words[i - 1] == reference[j - 1]
                        for (cost, op) in [(dist[i - 1][j - 1].cost + (same ? 0 : 1), same ? Character(" ") : "s"),
                                           (dist[i - 1][j].cost + 1, "d"), (dist[i][j - 1].cost + 1, "i")] where dist[i][j].cost > cost {
                            dist[i][j] = (cost, op)
                        }
                    }
                }
            }
            var trace: [Character] = []
            var i = words.count, j = n
            while i > 0 || j > 0 {
                let op = dist[i][j].op
                trace.append(op)
                switch op {
                case " ", "s": i -= 1; j -= 1
                case "i": j -= 1
                default: i -= 1
                }
            }
            return (dist[words.count][n].cost, trace.reversed())
        }
    }
}
