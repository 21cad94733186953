/// What loading a library in a probe child (`lightning plugin-host --probe`) showed, cached by the
/// library's sha256 in `<data_dir>/probe-verdicts.json` (docs/reliability.md#crash-containment).
public enum ProbeVerdict: Codable, Sendable, Equatable {
    /// The child loaded it (dlopen, constructors, `lt_plugin_entry`) and exited: safe to `dlopen`
    /// in the daemon.
    case clean
    /// The child died while loading it; the text is the exit (`killed by signal 11 (SIGSEGV)`).
    case crashed(String)

    /// How one probe run ended.
    public enum Run: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// The child did not finish loading in time and was killed.
        case timedOut(Duration)
        /// The child could not be started.
        case failed(String)
    }

    /// The verdict a run gives, or nil when it gives none to cache: a refusal by the loader's
    /// checks (exit 1; loading in the daemon refuses it the same way, with its message), or a
    /// probe that could not run.
    public static func of(_ run: Run) -> ProbeVerdict? {
        switch run {
        case .exited(0): return .clean
        case .exited: return nil
        case .signalled(let s): return .crashed(ExitStatus(signal: s).description)
        case .timedOut, .failed: return nil
        }
    }
}
