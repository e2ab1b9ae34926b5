/// Short texts of scalars drawn from ranges, for checking text functions against Foundation's
/// or Swift's own on mixtures their fast paths do and do not take.
enum RandomText {
    /// One to eight scalars, each from a range picked among `pools`.
    static func mixed(from pools: [ClosedRange<UInt32>], using generator: inout some RandomNumberGenerator) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
            let pool = pools.randomElement(using: &generator)!
            if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &generator)) { text.append(scalar) }
        }
        return String(text)
    }

    /// The text's scalars in hex, for a failure's message.
    static func scalars(_ text: String) -> [String] {
        text.unicodeScalars.map { String($0.value, radix: 16) }
    }
}
