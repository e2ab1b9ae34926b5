import DatasetCore

/// Parses the Python list literals that OpinionQA's `info.csv` stores in its cells:
/// `['Approve', "Don't know"]` and `[1.0, 2.0, 1.5]`.
enum PythonLiteral {
    static func strings(_ text: String, at location: SourceLocation) throws -> [String] {
        var scalars = Array(text.trimmingCharacters(in: .whitespaces).unicodeScalars)
        guard scalars.first == "[", scalars.last == "]" else {
            throw InputError(location, "expected a list like ['a', 'b'], found \(text)")
        }
        scalars = Array(scalars.dropFirst().dropLast())
        var values: [String] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == " " || scalar == "," { index += 1; continue }
            guard scalar == "'" || scalar == "\"" else {
                throw InputError(location, "expected a quoted string at position \(index + 1) of \(text)")
            }
            let quote = scalar
            var value = String.UnicodeScalarView()
            index += 1
            var closed = false
            while index < scalars.count {
                let next = scalars[index]
                if next == "\\", index + 1 < scalars.count {
                    value.append(scalars[index + 1])
                    index += 2
                    continue
                }
                if next == quote { closed = true; index += 1; break }
                value.append(next)
                index += 1
            }
            guard closed else { throw InputError(location, "unterminated string in \(text)") }
            values.append(String(value))
        }
        return values
    }

    static func numbers(_ text: String, at location: SourceLocation) throws -> [Double] {
        let inner = text.trimmingCharacters(in: .whitespaces)
        guard inner.hasPrefix("["), inner.hasSuffix("]") else {
            throw InputError(location, "expected a list like [1.0, 2.0], found \(text)")
        }
        return try inner.dropFirst().dropLast().split(separator: ",").map { part in
            guard let value = Double(part.trimmingCharacters(in: .whitespaces)) else {
                throw InputError(location, "'\(part)' is not a number in \(text)")
            }
            return value
        }
    }
}
