import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Shows how far each stage of a run has got, on standard error: a line redrawn in place on a
/// terminal (items done of total, rate, time left), one line per stage that ran otherwise, and
/// nothing when quiet. Only stages that take longer than `threshold` are shown.
public final class ProgressReporter: Sendable {
    public enum Style: Sendable {
        /// Redraw one line in place, a few times a second.
        case terminal
        /// One line when each stage is done.
        case lines
        case quiet
    }

    let style: Style
    let threshold: Double
    private let write: @Sendable (String) -> Void
    /// The stage being shown; drawing happens under this lock, so that a redraw never lands
    /// after the stage's line was erased.
    private let current = Mutex<StageProgress?>(nil)
    private let ticking = Mutex(false)

    /// - Parameters:
    ///   - threshold: seconds a stage must take before it is shown.
    ///   - write: where the text goes (standard error unless a test says otherwise).
    public init(style: Style, threshold: Double = 1, write: (@Sendable (String) -> Void)? = nil) {
        self.style = style
        self.threshold = threshold
        self.write = write ?? { text in FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Terminal drawing when standard error is a terminal, lines otherwise; nothing when quiet.
    public static func standardError(quiet: Bool) -> ProgressReporter {
        ProgressReporter(style: quiet ? .quiet : isatty(STDERR_FILENO) == 1 ? .terminal : .lines)
    }

    public static let silent = ProgressReporter(style: .quiet)

    func begin(_ stage: StageName) -> StageProgress {
        let progress = StageProgress(stage: stage)
        current.withLock { $0 = progress }
        if style == .terminal { startTicking() }
        return progress
    }

    /// Ends the stage's display: clears the terminal line, or writes its one line.
    func finish(_ progress: StageProgress, ran: Bool) {
        current.withLock { current in
            current = nil
            guard progress.elapsed >= threshold else { return }
            switch style {
            case .terminal: write("\r\u{1B}[2K")
            case .lines: if ran { write(progress.finalLine() + "\n") }
            case .quiet: break
            }
        }
    }

    /// Stops redrawing (the run is over).
    func end() {
        ticking.withLock { $0 = false }
    }

    private func startTicking() {
        let start = ticking.withLock { running in
            defer { running = true }
            return !running
        }
        guard start else { return }
        let thread = Thread { [self] in
            while ticking.withLock({ $0 }) {
                Thread.sleep(forTimeInterval: 0.2)
                current.withLock { current in
                    if let progress = current, progress.elapsed >= threshold { write("\r\u{1B}[2K" + progress.line()) }
                }
            }
        }
        thread.start()
    }
}

/// One stage's progress: the step it is in, how many of how many units it has done.
public final class StageProgress: Sendable {
    struct State {
        /// Until the stage names its first step, it is reading what earlier stages wrote.
        var step = "reading inputs"
        var unit = "items"
        var total = 0
        var done = 0
        var stepStarted: Double
        /// The step that took longest, for the closing line.
        var longest: (step: String, unit: String, count: Int, seconds: Double)?
    }

    public let stage: StageName
    private let started: Double
    private let state: Mutex<State>

    init(stage: StageName) {
        self.stage = stage
        let now = Self.now()
        started = now
        state = Mutex(State(stepStarted: now))
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    var elapsed: Double { Self.now() - started }

    /// Starts a step of `total` units ("reading", 100,000 items).
    public func step(_ name: String, total: Int, unit: String = "items") {
        let now = Self.now()
        state.withLock { state in
            state.closeStep(at: now)
            state.step = name
            state.unit = unit
            state.total = total
            state.done = 0
            state.stepStarted = now
        }
    }

    public func advance(by count: Int = 1) {
        state.withLock { $0.done += count }
    }

    /// The line drawn while the stage runs.
    func line() -> String {
        let now = Self.now()
        let state = state.withLock { $0 }
        var text = "\(stage.rawValue): \(state.step)"
        guard state.total > 0 else { return text + " (\(Self.seconds(now - started)))" }
        text += " \(Self.count(state.done))/\(Self.count(state.total)) \(state.unit)"
        let seconds = now - state.stepStarted
        if state.done > 0, seconds > 0 {
            let rate = Double(state.done) / seconds
            text += ", \(Self.count(Int(rate.rounded())))/s"
            text += ", \(Self.seconds(Double(state.total - state.done) / rate)) left"
        }
        return text
    }

    /// The one line written when the stage is done, off a terminal.
    func finalLine() -> String {
        let now = Self.now()
        var state = state.withLock { $0 }
        state.closeStep(at: now)
        var text = "\(stage.rawValue): done in \(Self.seconds(now - started))"
        if let longest = state.longest {
            text += " (longest step: \(longest.step)"
            if longest.count > 0 {
                // "1 source", not "1 sources"; and no rate below one a second (it would read 0/s).
                let unit = longest.count == 1 && longest.unit.hasSuffix("s") ? String(longest.unit.dropLast()) : longest.unit
                text += ", \(Self.count(longest.count)) \(unit)"
                let rate = longest.seconds > 0 ? Double(longest.count) / longest.seconds : 0
                if rate >= 1 { text += " at \(Self.count(Int(rate.rounded())))/s" }
            }
            text += ")"
        }
        return text
    }

    static func count(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, digit) in digits.reversed().enumerated() {
            if index > 0, index % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return String(result.reversed())
    }

    static func seconds(_ value: Double) -> String {
        value < 60 ? String(format: "%.1f s", value) : "\(Int(value) / 60) min \(Int(value) % 60) s"
    }
}

extension StageProgress.State {
    mutating func closeStep(at now: Double) {
        guard !step.isEmpty else { return }
        let seconds = now - stepStarted
        // A step that is over did all it set out to do.
        if seconds >= (longest?.seconds ?? 0) { longest = (step, unit, max(done, total), seconds) }
    }
}
