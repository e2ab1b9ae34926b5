import Commands

@main
extension BuildDataset {}
