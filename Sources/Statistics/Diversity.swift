import Foundation

/// The Vendi score (Friedman and Dieng 2023): exp of the Shannon entropy of the eigenvalues of
/// K/n, for an n × n similarity matrix K with unit diagonal. It reads as an effective number of
/// distinct items: n for n unrelated items, 1 for n copies of one.
public enum Vendi {
    /// The score of a symmetric similarity matrix (row-major, n × n, unit diagonal).
    public static func score(similarity: [Double], count n: Int) -> Double {
        precondition(similarity.count == n * n, "the similarity matrix must be n × n")
        guard n > 0 else { return 0 }
        let eigenvalues = SymmetricEigenvalues.of(similarity.map { $0 / Double(n) }, count: n)
        var entropy = 0.0
        for value in eigenvalues where value > 0 { entropy -= value * log(value) }
        return exp(entropy)
    }
}

/// Eigenvalues of a real symmetric matrix: Householder reduction to tridiagonal form, then the
/// QL algorithm with implicit shifts (Numerical Recipes §11.2–11.3, eigenvalues only). Written
/// here because the only linear algebra library the tool may link is none: it needs eigenvalues
/// of matrices of at most a few hundred rows, where this takes milliseconds.
public enum SymmetricEigenvalues {
    /// The eigenvalues of the n × n symmetric matrix `matrix` (row-major), in ascending order.
    public static func of(_ matrix: [Double], count n: Int) -> [Double] {
        guard n > 1 else { return matrix }
        var a = matrix
        var diagonal = [Double](repeating: 0, count: n)
        var off = [Double](repeating: 0, count: n)
        // Householder: row i is reduced against the rows above it, from the last row up.
        for i in stride(from: n - 1, to: 0, by: -1) {
            let l = i - 1
            var h = 0.0
            if l > 0 {
                var scale = 0.0
                for k in 0...l { scale += abs(a[i * n + k]) }
                if scale == 0 {
                    off[i] = a[i * n + l]
                } else {
                    for k in 0...l {
                        a[i * n + k] /= scale
                        h += a[i * n + k] * a[i * n + k]
                    }
                    var f = a[i * n + l]
                    let g = f >= 0 ? -h.squareRoot() : h.squareRoot()
                    off[i] = scale * g
                    h -= f * g
                    a[i * n + l] = f - g
                    f = 0
                    for j in 0...l {
                        var g = 0.0
                        for k in 0...j { g += a[j * n + k] * a[i * n + k] }
                        if j < l { for k in (j + 1)...l { g += a[k * n + j] * a[i * n + k] } }
                        off[j] = g / h
                        f += off[j] * a[i * n + j]
                    }
                    let hh = f / (h + h)
                    for j in 0...l {
                        let f = a[i * n + j]
                        let g = off[j] - hh * f
                        off[j] = g
                        for k in 0...j { a[j * n + k] -= f * off[k] + g * a[i * n + k] }
                    }
                }
            } else {
                off[i] = a[i * n + l]
            }
            diagonal[i] = h
        }
        for i in 0..<n { diagonal[i] = a[i * n + i] }
        // QL with implicit shifts on the tridiagonal matrix (diagonal, off).
        for i in 1..<n { off[i - 1] = off[i] }
        off[n - 1] = 0
        for l in 0..<n {
            var iterations = 0
            while true {
                var m = l
                while m < n - 1 {
                    let dd = abs(diagonal[m]) + abs(diagonal[m + 1])
                    if abs(off[m]) <= Double.ulpOfOne * dd { break }
                    m += 1
                }
                if m == l { break }
                iterations += 1
                if iterations > 60 { break }
                var g = (diagonal[l + 1] - diagonal[l]) / (2 * off[l])
                var r = hypot(g, 1)
                g = diagonal[m] - diagonal[l] + off[l] / (g + (g >= 0 ? abs(r) : -abs(r)))
                var s = 1.0, c = 1.0, p = 0.0
                var i = m - 1
                var underflow = false
                while i >= l {
                    let f = s * off[i]
                    let b = c * off[i]
                    r = hypot(f, g)
                    off[i + 1] = r
                    if r == 0 {
                        diagonal[i + 1] -= p
                        off[m] = 0
                        underflow = true
                        break
                    }
                    s = f / r
                    c = g / r
                    g = diagonal[i + 1] - p
                    r = (diagonal[i] - g) * s + 2 * c * b
                    p = s * r
                    diagonal[i + 1] = g + p
                    g = c * r - b
                    i -= 1
                }
                if underflow { continue }
                diagonal[l] -= p
                off[l] = g
                off[m] = 0
            }
        }
        return diagonal.sorted()
    }
}
