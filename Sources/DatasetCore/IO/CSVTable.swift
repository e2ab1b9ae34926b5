public import Foundation

/// An RFC 4180 CSV file read whole, each record keeping the line it starts on.
///
/// Written here rather than taken from SwiftCSV or CSV.swift: neither reports the source line of
/// a record or of a malformed quote, and every error this tool gives must name file and line.
public struct CSVTable: Sendable {
    public struct Record: Sendable {
        public var line: Int
        public var fields: [String]
    }

    public var file: String
    public var records: [Record]

    public init(file: String, records: [Record]) {
        self.file = file
        self.records = records
    }

    /// Parses `text`. A leading UTF-8 byte-order mark is dropped; an unterminated quote or
    /// a stray quote inside an unquoted field is an error with its line.
    public init(text: String, file: String) throws {
        self.file = file
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var afterQuote = false
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }

        func endField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            fieldWasQuoted = false
            afterQuote = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
        }

        var iterator = scalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if scalar == "\"" {
                    let next = iterator.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        inQuotes = false
                        afterQuote = true
                        pending = next
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                endField()
            case "\r":
                let next = iterator.next()
                if next != "\n" { pending = next }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                if field.isEmpty && !fieldWasQuoted && !afterQuote {
                    inQuotes = true
                    fieldWasQuoted = true
                } else {
                    throw InputError(file: file, line: line, "stray quote inside a field (quote the whole field and double inner quotes)")
                }
            default:
                if afterQuote {
                    throw InputError(file: file, line: line, "text after a closing quote; expected a comma or the end of the line")
                }
                field.append(scalar)
            }
        }
        if inQuotes {
            throw InputError(file: file, line: recordLine, "unterminated quoted field")
        }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        self.records = records
    }

    public init(contentsOf url: URL, displayName: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw InputError(file: displayName, "cannot read: \(error.localizedDescription)")
        }
        try self.init(text: try data.utf8Text(file: displayName), file: displayName)
    }

    /// The table with its first record as the header, checked for required columns and ragged rows.
    public func withHeader(required: [String]) throws -> HeaderedCSV {
        guard let header = records.first else {
            throw InputError(file: file, line: 1, "empty file; expected a header line")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var diagnostics = Diagnostics()
        for name in required where !names.contains(name) {
            diagnostics.error(SourceLocation(file: file, line: header.line, field: name), "missing column (header has: \(names.joined(separator: ", ")))")
        }
        var seen: Set<String> = []
        for name in names where !seen.insert(name).inserted {
            diagnostics.error(SourceLocation(file: file, line: header.line, field: name), "column appears twice")
        }
        for record in records.dropFirst() where record.fields.count != names.count {
            diagnostics.error(SourceLocation(file: file, line: record.line), "row has \(record.fields.count) fields, the header has \(names.count)")
        }
        try diagnostics.check()
        return HeaderedCSV(file: file, columns: names, rows: Array(records.dropFirst()))
    }
}

/// A CSV table whose rows all have the header's width.
public struct HeaderedCSV: Sendable {
    public var file: String
    public var columns: [String]
    public var rows: [CSVTable.Record]

    public func index(of column: String) -> Int? { columns.firstIndex(of: column) }

    public func value(_ row: CSVTable.Record, _ column: String) -> String {
        guard let index = index(of: column) else { return "" }
        return row.fields[index]
    }

    public func location(_ row: CSVTable.Record, _ column: String) -> SourceLocation {
        SourceLocation(file: file, line: row.line, field: column)
    }
}
