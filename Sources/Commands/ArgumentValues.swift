public import ArgumentParser
public import Pipeline
public import ReviewStore
public import Statistics

// Options that take one of a few values are checked by the parser, which lists the values in
// --help and in shell completion.

extension StageName: ExpressibleByArgument {}
extension ReviewerRole: ExpressibleByArgument {}
extension BatchFiles.Format: ExpressibleByArgument {}
extension Allocation.Method: ExpressibleByArgument {}
