internal import CLibXML2

/// libxml2's process-wide set-up, done once before any document or schema is read.
enum LibXML2Setup {
    /// Initializes the parser and replaces the external entity loader with one that loads
    /// nothing: no DTD, entity, `xs:include` or `xs:import` is fetched from the network or read
    /// from a file. A source or schema this tool reads is always one file (see `XMLSchema`).
    static let once: Void = {
        xmlInitParser()
        xmlSetExternalEntityLoader { _, _, _ in nil }
    }()
}
