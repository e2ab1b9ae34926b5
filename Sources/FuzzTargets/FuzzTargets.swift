public import Foundation
import DatasetCore
import Pilot
import Pipeline
import ReviewStore
import SchemaValidation
import SurveyIngest
import TextbookIngest

/// Each reader of outside input, as one function from bytes to "read or refused". A reader may
/// throw (that is how bad input is refused); it must not trap, hang or grow without bound.
/// Shared by the `fuzz-readers` harness and the regression test that replays what it found.
public struct FuzzTarget: Sendable {
    public let name: String
    /// The extension the input file is given (readers pick a format by it).
    public let fileExtension: String
    let body: @Sendable (Data, URL) throws -> Void

    /// Reads `data` with every reader of this target; errors thrown are the readers refusing it.
    /// `scratch` is a folder the input may be written to.
    public func run(_ data: Data, scratch: URL) {
        let file = scratch.appendingPathComponent("input.\(fileExtension)")
        do {
            try data.write(to: file)
            try body(data, file)
        } catch {
            // Refused: the expected outcome for most mutated inputs.
        }
    }

    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "csv", fileExtension: "csv") { data, file in
            _ = try? CSVTable(contentsOf: file, displayName: "input.csv").withHeader(required: ["question"])
            _ = try? ItemBankReader(layout: ItemBankLayout(preset: .kornat)).read(data, context: context)
            _ = try? BatchFiles.read(file, displayName: "input.csv")
        },
        FuzzTarget(name: "yaml", fileExtension: "yaml") { data, file in
            _ = try? YAMLNode.parse(try data.utf8Text(file: "input.yaml"), file: "input.yaml")
            _ = try? PipelineSpec.load(file, displayName: "input.yaml", projectDirectory: nil)
            _ = try? Questionnaire.load(file, displayName: "input.yaml")
        },
        FuzzTarget(name: "json", fileExtension: "json") { data, file in
            _ = try? JSONValue.parse(data)
            _ = try? JSONLines.decode(Item.self, from: data, file: "input.json")
            _ = try? ItemBankReader(layout: ItemBankLayout(preset: .click)).read(data, context: context)
            _ = try? KoBBQReader.read(file, displayName: "input.json")
        },
        FuzzTarget(name: "xml", fileExtension: "xml") { _, file in
            _ = try? CNXMLReader().stream(fileAt: file, context: context) { _ in }
            _ = try? XHTMLReader().read(fileAt: file, context: context)
            _ = try? AuthoredItemsReader().read(fileAt: file, context: context)
        },
        FuzzTarget(name: "batch", fileExtension: "jsonl") { data, file in
            _ = try? BatchFiles.read(file, displayName: "input.jsonl")
            _ = try? PilotAnswerFile.read(data, displayName: "input.jsonl", target: pilotTarget, partial: false)
        },
    ]

    /// Items with the ids of the pilot seed (`batch/pilot-samples.jsonl`), for its answers to refer to.
    static let pilotTarget = PilotTarget(key: "release 0.1.0", directory: URL(fileURLWithPath: "/nonexistent"), items: [
        "ck-0b603917bbfcee0d", "ck-26b595ef0804cfe1",
    ].map { id in
        PilotItem(item: Item(id: id, task: .commonKnowledge, subject: "fuzz", language: "ko", question: "q", choices: ["a", "b", "c", "d"],
                             answer: "A", choicesOrdered: false,
                             source: ItemSource(kind: "authored", sourceID: "fuzz", document: "d", element: id, license: nil, revision: "r")),
                  config: "common_knowledge", split: "test")
    })

    static let context = TextbookContext(sourceID: "fuzz", document: "input", subject: "fuzz", language: "ko", license: nil, revision: "r")
}
