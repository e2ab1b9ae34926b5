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
        var (diagonal, off) = tridiagonal(matrix, count: n)
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

    /// The tridiagonal form of the n × n symmetric matrix (n > 1) by Householder reduction of
    /// its lower triangle: its diagonal, and its off-diagonal from index 1.
    static func tridiagonal(_ matrix: [Double], count n: Int) -> (diagonal: [Double], off: [Double]) {
        var a = matrix
        var diagonal = [Double](repeating: 0, count: n)
        var off = [Double](repeating: 0, count: n)
        a.withUnsafeMutableBufferPointer { a in
            off.withUnsafeMutableBufferPointer { off in
                householder(a.baseAddress!, n, off.baseAddress!)
            }
        }
        for i in 0..<n { diagonal[i] = a[i * n + i] }
        return (diagonal, off)
    }

    /// Householder reduction of the lower triangle of `a` (n × n, row-major) in place, the
    /// off-diagonal in `off`.
    /// Numerical Recipes' `tred2` reads row i of the matrix against each row j ≤ i and then
    /// down column j, a stride of a whole row at every step; here every row is read once, left
    /// to right, adding into each sum the same products in the same order, so the values are
    /// those of `tred2` to the last bit (191 samples of a cold million's profile became 73).
    private static func householder(_ a: UnsafeMutablePointer<Double>, _ n: Int, _ off: UnsafeMutablePointer<Double>) {
        for i in stride(from: n - 1, to: 0, by: -1) {
            let l = i - 1
            let rowI = a + i * n
            var h = 0.0
            if l > 0 {
                var scale = 0.0
                for k in 0...l { scale += abs(rowI[k]) }
                if scale == 0 {
                    off[i] = rowI[l]
                } else {
                    for k in 0...l {
                        rowI[k] /= scale
                        h += rowI[k] * rowI[k]
                    }
                    var f = rowI[l]
                    let g = f >= 0 ? -h.squareRoot() : h.squareRoot()
                    off[i] = scale * g
                    h -= f * g
                    rowI[l] = f - g
                    // off[j] = (sum over k ≤ j of a[j][k]·u[k], then over k > j of a[k][j]·u[k]) / h,
                    // u = row i: row j's own sum is made when the sweep reaches row j, and the
                    // column terms are added as the rows below it come, in the order of k.
                    for j in 0...l {
                        let rowJ = a + j * n
                        let uj = rowI[j]
                        var sum = 0.0
                        for k in 0..<j {
                            sum += rowJ[k] * rowI[k]
                            off[k] += rowJ[k] * uj
                        }
                        off[j] = sum + rowJ[j] * uj
                    }
                    f = 0
                    for j in 0...l {
                        off[j] /= h
                        f += off[j] * rowI[j]
                    }
                    let hh = f / (h + h)
                    for j in 0...l {
                        let f = rowI[j]
                        let g = off[j] - hh * f
                        off[j] = g
                        let rowJ = a + j * n
                        for k in 0...j { rowJ[k] -= f * off[k] + g * rowI[k] }
                    }
                }
            } else {
                off[i] = rowI[l]
            }
        }
    }
}
