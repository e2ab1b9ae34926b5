"""How items and documents are cut into n-grams and compared: the rules of
`Sources/Dedup/NGramOverlap.swift`, written again in Python so that datatrove's scan and the
tool's own find the same hits.

1. NFKC, then each character's full lowercase mapping, with final sigma written as sigma;
2. each Hangul, Han or kana character is a token of its own;
3. any other run of letters, marks and digits is a token;
4. everything else (spaces, punctuation, symbols) only separates tokens.

Offsets are indices into the normalized string (Unicode scalars, as in the tool).
"""

import json
import unicodedata

_WORD_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No"}
_SINGLE_RANGES = (
    (0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF),
    (0x3040, 0x309F), (0x30A0, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
    (0x20000, 0x323AF),
)
_kinds = {}  # character -> 0 separator, 1 word character, 2 a token of its own


def _kind(character):
    kind = _kinds.get(character)
    if kind is None:
        value = ord(character)
        if any(low <= value <= high for low, high in _SINGLE_RANGES):
            kind = 2
        elif value < 0x80:
            kind = 1 if character.isascii() and character.isalnum() else 0
        else:
            kind = 1 if unicodedata.category(character) in _WORD_CATEGORIES else 0
        _kinds[character] = kind
    return kind


def normalized(text):
    return unicodedata.normalize("NFKC", text).lower().replace("\u03c2", "\u03c3")


def tokens(text):
    """The normalized text and each token's (start, end)."""
    norm = normalized(text)
    spans = []
    start = None
    for index, character in enumerate(norm):
        kind = _kind(character)
        if kind == 2:
            if start is not None:
                spans.append((start, index))
                start = None
            spans.append((index, index + 1))
        elif kind == 1:
            if start is None:
                start = index
        elif start is not None:
            spans.append((start, index))
            start = None
    if start is not None:
        spans.append((start, len(norm)))
    return norm, spans


class Index:
    """An export's items (items.jsonl of `build-dataset contamination export`), by n-gram. Only
    n-grams at least half of which are the item's question are kept, as in the tool."""

    def __init__(self, entries):
        self.entries = entries
        self.places = {}
        lengths = set()
        self.too_short = []
        for number, entry in enumerate(entries):
            n = entry["n"]
            question_tokens = len(tokens(entry["question"])[1])
            # The question followed by its choices (one a line), and followed by its answer.
            continuations = [text for text in ["\n".join(entry["choices"]), entry.get("answer") or ""] if text]
            texts = [entry["question"] + "\n" + c for c in continuations] if continuations else [entry["question"]]
            indexed = False
            last_start = question_tokens - (n + 1) // 2  # at least half of each n-gram is the question's
            for text in texts:
                norm, spans = tokens(text)
                if len(spans) < n or last_start < 0:
                    continue
                indexed = True
                lengths.add(n)
                words = [norm[s:e] for s, e in spans]
                for start in range(0, min(len(spans) - n, last_start) + 1):
                    self.places.setdefault((n, "\x1f".join(words[start:start + n])), set()).add(number)
            if not indexed:
                self.too_short.append(entry["id"])
        self.lengths = sorted(lengths)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as file:
            return cls([json.loads(line) for line in file if line.strip()])

    def matches(self, text):
        """(entry number, span, length in tokens, matching n-grams) for each item the text contains."""
        norm, spans = tokens(text)
        words = [norm[s:e] for s, e in spans]
        positions = {}
        for n in self.lengths:
            for start in range(0, len(spans) - n + 1):
                found = self.places.get((n, "\x1f".join(words[start:start + n])))
                if found:
                    for number in found:
                        positions.setdefault(number, []).append(start)
        result = []
        for number in sorted(positions):
            starts = positions[number]
            n = self.entries[number]["n"]
            best = current = (starts[0], starts[0])
            for start in starts[1:]:
                current = (current[0], start) if start == current[1] + 1 else (start, start)
                if current[1] - current[0] > best[1] - best[0]:
                    best = current
            first, last = best[0], best[1] + n - 1
            result.append((number, norm[spans[first][0]:spans[last][1]], last + 1 - first, len(starts)))
        return result
