public import Foundation
public import DatasetCore

/// Reads population margins from a census table as published (a title line, subtotal and
/// overlapping rows, quoted codes) through a declared mapping from census labels to survey
/// strata (`schemas/census-mapping.schema.json`), so the file is never edited by hand.
///
/// A row counts when the label in each mapped row column belongs to a level; every other row
/// (totals, subtotals, overlapping groupings, averages) is outside the universe and reported.
/// A dimension held in columns (e.g. men and women) is summed over the same rows.
public struct CensusMapping: Sendable {
    public struct RowDimension: Sendable {
        public var name: String
        public var column: String
        /// Census label → survey level.
        public var levels: [String: String]
        public var levelOrder: [String]
    }

    public struct ColumnDimension: Sendable {
        public var name: String
        /// Survey level → census column.
        public var columns: [(level: String, column: String)]
    }

    public var file: String
    public var countColumn: String
    public var rowDimensions: [RowDimension]
    public var columnDimensions: [ColumnDimension]

    public static func load(_ url: URL, displayName: String, schema: SchemaCheck? = nil) throws -> CensusMapping {
        let root = try YAMLNode.load(url, displayName: displayName)
        var d = Diagnostics(schema?.check(root) ?? [])
        guard let top = root.mapping(&d) else { try d.check(); throw InputError(file: displayName, "invalid mapping") }
        top.rejectUnknownKeys(allowed: ["count_column", "dimensions"], &d)
        let countColumn = top.required("count_column", &d)?.string(&d)
        var rows: [RowDimension] = []
        var columns: [ColumnDimension] = []
        if let dimensions = top.required("dimensions", &d)?.mapping(&d) {
            for name in dimensions.keys {
                guard let spec = dimensions[name]!.mapping(&d) else { continue }
                spec.rejectUnknownKeys(allowed: ["column", "levels", "columns"], &d)
                if let column = spec["column"]?.string(&d) {
                    var levels: [String: String] = [:]
                    var order: [String] = []
                    if let levelMap = spec.required("levels", &d)?.mapping(&d) {
                        for level in levelMap.keys {
                            order.append(level)
                            for label in levelMap[level]!.strings(&d) ?? [] {
                                if let other = levels[label] {
                                    d.error(levelMap[level]!.location, "census label '\(label)' is mapped to both '\(other)' and '\(level)'")
                                }
                                levels[label] = level
                            }
                        }
                    }
                    rows.append(RowDimension(name: name, column: column, levels: levels, levelOrder: order))
                } else if let columnMap = spec["columns"]?.mapping(&d) {
                    var pairs: [(String, String)] = []
                    for level in columnMap.keys {
                        if let column = columnMap[level]!.string(&d) { pairs.append((level, column)) }
                    }
                    columns.append(ColumnDimension(name: name, columns: pairs))
                } else {
                    d.error(dimensions[name]!.location, "a dimension needs 'column' with 'levels' (labels in rows) or 'columns' (levels in columns)")
                }
            }
        }
        try d.check()
        return CensusMapping(file: displayName, countColumn: countColumn!, rowDimensions: rows, columnDimensions: columns)
    }

    /// What reading the census table did: the margins and the rows left out, by label.
    public struct Reading: Sendable {
        public var margins: PopulationMargins
        public var rowsUsed: Int
        /// Rows outside the universe, counted by the first unmapped label that put them there.
        public var rowsLeftOut: [String: Int]
    }

    public func read(_ url: URL, displayName: String) throws -> Reading {
        let table = try CSVTable(contentsOf: url, displayName: displayName)
        let needed = [countColumn] + rowDimensions.map(\.column) + columnDimensions.flatMap { $0.columns.map(\.column) }
        // The header is the first record that names every column the mapping uses (title lines come before it).
        guard let headerIndex = table.records.firstIndex(where: { record in
            needed.allSatisfy { column in record.fields.contains { $0.trimmingCharacters(in: .whitespaces) == column } }
        }) else {
            throw InputError(file: displayName, "no header line names all of: \(needed.joined(separator: ", ")) (mapping \(file))")
        }
        let body = CSVTable(file: displayName, records: Array(table.records[headerIndex...]))
        let headered = try body.withHeader(required: needed)
        var d = Diagnostics()
        var margins: [String: [String: Double]] = [:]
        var leftOut: [String: Int] = [:]
        var seenLabels: [String: Set<String>] = [:]
        var seenCombinations: [String: Int] = [:]
        var used = 0
        var countTotal = 0.0
        var columnTotals: [String: Double] = [:]

        func number(_ row: CSVTable.Record, _ column: String) -> Double? {
            let text = headered.value(row, column).replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces)
            guard let value = Double(text), value.isFinite, value >= 0 else {
                d.error(headered.location(row, column), "'\(headered.value(row, column))' is not a count")
                return nil
            }
            guard value <= SurveyCount.maximum else {
                d.error(headered.location(row, column), SurveyCount.tooLarge(text))
                return nil
            }
            return value
        }

        rows: for row in headered.rows {
            var levels: [String] = []
            for dimension in rowDimensions {
                let label = headered.value(row, dimension.column).trimmingCharacters(in: .whitespaces)
                seenLabels[dimension.name, default: []].insert(label)
                guard let level = dimension.levels[label] else {
                    leftOut["\(dimension.column)=\(label)", default: 0] += 1
                    continue rows
                }
                levels.append(level)
            }
            let combination = rowDimensions.map { headered.value(row, $0.column) }.joined(separator: "\u{1F}")
            if let earlier = seenCombinations[combination] {
                d.error(SourceLocation(file: displayName, line: row.line), "the same labels already appear on line \(earlier); the row would be counted twice")
                continue
            }
            seenCombinations[combination] = row.line
            guard let count = number(row, countColumn) else { continue }
            used += 1
            countTotal += count
            for (dimension, level) in zip(rowDimensions, levels) {
                margins[dimension.name, default: [:]][level, default: 0] += count
            }
            for dimension in columnDimensions {
                for (level, column) in dimension.columns {
                    guard let value = number(row, column) else { continue }
                    margins[dimension.name, default: [:]][level, default: 0] += value
                    columnTotals[dimension.name, default: 0] += value
                }
            }
        }
        for dimension in rowDimensions {
            for label in dimension.levels.keys.sorted() where !(seenLabels[dimension.name]?.contains(label) ?? false) {
                d.error(SourceLocation(file: file, field: "dimensions.\(dimension.name)"),
                        "census label '\(label)' does not occur in column '\(dimension.column)' of \(displayName)")
            }
        }
        // A level with no people cannot be a weighting target: raking would divide by zero.
        for (name, levels) in margins.sorted(by: { $0.key < $1.key }) {
            for (level, total) in levels.sorted(by: { $0.key < $1.key }) where total <= 0 {
                d.error(SourceLocation(file: file, field: "dimensions.\(name)"),
                        "level '\(level)' counts no people in \(displayName); a weighting target must be above 0 (leave the level out)")
            }
        }
        for (name, total) in columnTotals.sorted(by: { $0.key < $1.key }) where abs(total - countTotal) > 0.005 * countTotal {
            d.error(SourceLocation(file: file, field: "dimensions.\(name)"),
                    "the columns of '\(name)' sum to \(Int(total)), but '\(countColumn)' sums to \(Int(countTotal)) over the same rows")
        }
        try d.check()
        return Reading(margins: PopulationMargins(file: displayName, margins: margins, lines: [:]),
                       rowsUsed: used, rowsLeftOut: leftOut)
    }
}
