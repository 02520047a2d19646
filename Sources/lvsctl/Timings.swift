import ArgumentParser

/// Phase durations for `--timings`: where a slow plan or apply spends its time.
struct Timings {
    let enabled: Bool
    private var last = ContinuousClock.now

    init(enabled: Bool) { self.enabled = enabled }

    /// Prints how long the phase that just ended took, to standard error.
    mutating func lap(_ phase: String) {
        let now = ContinuousClock.now
        if enabled {
            let seconds = Double((now - last).components.attoseconds) / 1e18 + Double((now - last).components.seconds)
            let milliseconds = Int((seconds * 1000).rounded())
            let fraction = String(milliseconds % 1000)
            Console.standardError.write("lvsctl: timing: \(phase): \(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction) s\n")
        }
        last = now
    }
}

struct TimingOptions: ParsableArguments {
    @Flag(help: "Print how long each phase took (load, read, plan, render, write, verify) to standard error.")
    var timings = false
}
