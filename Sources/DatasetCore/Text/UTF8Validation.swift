public import Foundation

extension Data {
    /// The byte offset of the first byte that is not valid UTF-8, or nil if all of it is.
    public var firstInvalidUTF8Offset: Int? {
        var decoder = UTF8()
        var iterator = makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The data as text, or an error naming the line and byte where it stops being UTF-8.
    public func utf8Text(file: String) throws -> String {
        if let text = String(validating: self, as: UTF8.self) { return text }
        let offset = firstInvalidUTF8Offset ?? count
        let line = prefix(offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        throw InputError(file: file, line: line, "not valid UTF-8 at byte \(offset); save the file as UTF-8")
    }
}
