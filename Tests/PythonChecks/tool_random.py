"""The tool's random numbers, drawn in Python to reproduce its seeded figures bit for bit."""
import hashlib

MASK = (1 << 64) - 1


class SplitMix64:
    """The tool's generator: seeded from the pipeline seed and a label's SHA-256."""

    def __init__(self, seed, label):
        bits = int(hashlib.sha256(label.encode("utf-8")).hexdigest()[:16], 16)
        self.state = seed ^ bits
        self.state = self.next()

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def unit(self):
        """A double in [0, 1) from the top 53 bits, as the tool's bootstrap draws."""
        return (self.next() >> 11) * 2.0 ** -53

    def below(self, bound):
        """Swift's `Int.random(in: 0..<bound, using:)`: Lemire's multiply-and-reject."""
        product = self.next() * bound
        if product & MASK < bound:
            threshold = ((1 << 64) - bound) % bound
            while product & MASK < threshold:
                product = self.next() * bound
        return product >> 64
