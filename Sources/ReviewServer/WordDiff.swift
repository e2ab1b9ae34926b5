/// A word-level difference between two texts, for showing a reviewer what changed.
enum WordDiff {
    enum Kind: String { case same, removed, added }

    struct Segment: Equatable {
        var kind: Kind
        var text: String
    }

    /// The tokens of a text: runs of non-space characters and runs of white space, so that the
    /// segments put back together give each text exactly.
    static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var inSpace: Bool?
        for character in text {
            let space = character.isWhitespace
            if space != inSpace, !current.isEmpty {
                tokens.append(current)
                current = ""
            }
            current.append(character)
            inSpace = space
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// The segments that turn `old` into `new`: the standard library's shortest edit script over
    /// word tokens, with neighbouring segments of one kind merged.
    static func segments(old: String, new: String) -> [Segment] {
        let before = tokens(old), after = tokens(new)
        let difference = after.difference(from: before)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var segments: [Segment] = []
        func emit(_ kind: Kind, _ text: String) {
            if segments.last?.kind == kind { segments[segments.count - 1].text += text } else { segments.append(Segment(kind: kind, text: text)) }
        }
        var i = 0, j = 0
        while i < before.count || j < after.count {
            if i < before.count, removed.contains(i) {
                emit(.removed, before[i])
                i += 1
            } else if j < after.count, inserted.contains(j) {
                emit(.added, after[j])
                j += 1
            } else {
                emit(.same, after[j])
                i += 1
                j += 1
            }
        }
        return segments
    }
}
