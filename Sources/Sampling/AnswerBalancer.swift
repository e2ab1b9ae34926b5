public import DatasetCore

/// Spreads the correct answers of unordered common-knowledge items evenly over the letters
/// within each task and subject, by permuting their choices deterministically from the seed.
/// Ordered scales (Likert) are never permuted. An item published before keeps its published
/// order, so its answer letter never changes between versions; new items take, in the order
/// of a draw from the seed and their id, the letter used least so far.
public enum AnswerBalancer {
    public struct SubjectBalance: Codable, Sendable, Equatable {
        public var subject: String
        public var items: Int
        /// How many correct answers sit at A, B, C, ...
        public var counts: [Int]
        /// Pearson's chi-square of the counts against an even spread.
        public var chiSquare: Double

        enum CodingKeys: String, CodingKey {
            case subject, items, counts, chiSquare = "chi_square"
        }
    }

    public static func balance(_ items: [Item], seed: UInt64, previous: [String: [String]] = [:]) -> (items: [Item], report: [SubjectBalance]) {
        // Grouped by task and subject as they are, each group's name made once (a name made for
        // each of half a million items was a string allocated each time).
        struct Subject: Hashable { var task: ItemTask, subject: String }
        let groups = Dictionary(grouping: items.indices) { Subject(task: items[$0].task, subject: items[$0].subject) }
        let named = groups.map { (name: "\($0.key.task.rawValue)/\($0.key.subject)", positions: $0.value) }.sorted { $0.name < $1.name }
        // Subjects are balanced apart from one another, so on every core.
        let balanced = Parallel.map(named.count) { index in
            balance(named[index].positions.map { items[$0] }, subject: named[index].name, seed: seed, previous: previous)
        }
        let report = balanced.compactMap(\.report)
        // In id order: each item put at its id's place among all the ids, which are ordered once,
        // rather than the subjects' items joined and their ids ordered again. Where ids repeat,
        // the items are joined as each subject emitted them and sorted so, whose order among
        // equal ids is that one.
        let (places, distinct) = TextOrder.places(items.map(\.id))
        guard distinct else {
            return (balanced.flatMap { subject in subject.emitted.map { subject.items[$0] } }.sorted(byKey: \.id), report)
        }
        var ordered = [Item?](repeating: nil, count: items.count)
        for (group, subject) in zip(named, balanced) {
            for (position, item) in zip(group.positions, subject.items) { ordered[places[position]] = item }
        }
        return (ordered.map { $0! }, report)
    }

    /// One subject's items with their choices ordered, each where it was given; the order the
    /// subject emitted them in (the items it kept as they were and those published before, then
    /// the new ones in the order of their draws); and its count of answers by position.
    private static func balance(_ items: [Item], subject: String, seed: UInt64, previous: [String: [String]])
        -> (items: [Item], emitted: [Int], report: SubjectBalance?) {
        var output = items
        var emitted: [Int] = []
        emitted.reserveCapacity(items.count)
        var counts: [Int] = []
        func count(_ item: Item) {
            guard let index = item.answer.flatMap(Item.index(ofLetter:)) else { return }
            if counts.count <= index { counts += Array(repeating: 0, count: index + 1 - counts.count) }
            counts[index] += 1
        }
        var fresh: [Int] = []
        for (position, var item) in items.enumerated() {
            // Only keyed items: a social-value item's letter names its modal answer, tied to its distribution.
            guard item.task == .commonKnowledge, !item.choicesOrdered, let answer = item.answerText else {
                emitted.append(position)
                continue
            }
            if let order = previous[item.id], order.sorted() == item.choices.sorted(), let index = order.firstIndex(of: answer) {
                item.choices = order
                item.answer = Item.letter(index)
                count(item)
                output[position] = item
                emitted.append(position)
            } else {
                fresh.append(position)
            }
        }
        for position in Item.rankedOrder(fresh.map { items[$0] }, seed: seed, purpose: "position").map({ fresh[$0] }) {
            var item = items[position]
            let answer = item.answerText!
            let width = item.choices.count
            if counts.count < width { counts += Array(repeating: 0, count: width - counts.count) }
            let least = counts.prefix(width).min()!
            let candidates = (0..<width).filter { counts[$0] == least }
            var generator = SplitMix64(seed: seed, label: "permute\u{1F}\(item.id)")
            let target = candidates[Int(generator.next() % UInt64(candidates.count))]
            var distractors = item.choices.filter { $0 != answer }
            distractors.shuffle(using: &generator)
            distractors.insert(answer, at: target)
            item.choices = distractors
            item.answer = Item.letter(target)
            counts[target] += 1
            output[position] = item
            emitted.append(position)
        }
        let total = counts.reduce(0, +)
        guard total > 0 else { return (output, emitted, nil) }
        let expected = Double(total) / Double(counts.count)
        let chiSquare = counts.reduce(0) { sum, observed in
            let difference = Double(observed) - expected
            return sum + difference * difference / expected
        }
        return (output, emitted, SubjectBalance(subject: subject, items: total, counts: counts, chiSquare: (chiSquare * 1000).rounded() / 1000))
    }
}
