/// Where in a user's file a problem is: the file, and as much of line, column and field as is known.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var field: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
    }

    public func with(field: String) -> SourceLocation {
        var copy = self
        copy.field = field
        return copy
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        if let field { text += ": '\(field)'" }
        return text
    }
}

/// A problem with a user's input, always said with where it is.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = Self.bounded(message)
    }

    /// The longest message kept whole. A value quoted from a hostile file can be megabytes; the
    /// start (what is wrong) and end (what was expected) of the message stay.
    public static let messageLimit = 1_000

    static func bounded(_ message: String) -> String {
        guard message.utf8.count > messageLimit else { return message }
        let characters = message.count
        guard characters > messageLimit else { return message }
        let head = message.prefix(600), tail = message.suffix(200)
        return "\(head) … [\(characters - head.count - tail.count) characters left out] … \(tail)"
    }

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil, _ message: String) {
        self.init(SourceLocation(file: file, line: line, column: column, field: field), message)
    }

    public var description: String { "\(location): \(message)" }
}

/// Several input problems found in one pass, so that a curator sees all of them at once.
public struct InputErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [InputError]

    public init(_ errors: [InputError]) { self.errors = errors }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}

/// Collects problems while a reader keeps going; `check()` throws them all at the end.
public struct Diagnostics: Sendable {
    public private(set) var errors: [InputError] = []

    public init() {}

    public init(_ errors: [InputError]) {
        self.errors = errors
    }

    public var isEmpty: Bool { errors.isEmpty }

    public mutating func error(_ location: SourceLocation, _ message: String) {
        errors.append(InputError(location, message))
    }

    public mutating func append(_ error: InputError) { errors.append(error) }

    public mutating func append(contentsOf other: Diagnostics) { errors += other.errors }

    /// Runs `body`, recording an `InputError` or `InputErrors` it throws instead of propagating it.
    public mutating func collect<T>(_ body: () throws -> T) rethrows -> T? {
        do {
            return try body()
        } catch let error as InputError {
            errors.append(error)
        } catch let error as InputErrors {
            errors += error.errors
        }
        return nil
    }

    public func check() throws {
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw InputErrors(errors) }
    }
}

extension Error {
    /// The individual input errors inside this error, if it is one.
    public var inputErrors: [InputError]? {
        if let single = self as? InputError { return [single] }
        if let many = self as? InputErrors { return many.errors }
        return nil
    }
}

extension InputError: Encodable {
    enum CodingKeys: String, CodingKey {
        case file, line, column, field, message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(location.file, forKey: .file)
        try container.encodeIfPresent(location.line, forKey: .line)
        try container.encodeIfPresent(location.column, forKey: .column)
        try container.encodeIfPresent(location.field, forKey: .field)
        try container.encode(message, forKey: .message)
    }
}
