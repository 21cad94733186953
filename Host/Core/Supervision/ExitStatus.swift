import Foundation

/// How a child process ended.
public struct ExitStatus: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The exit code when it exited normally.
    public var code: Int32?
    /// The signal that killed it.
    public var signal: Int32?
    public var coreDumped: Bool

    public init(code: Int32? = nil, signal: Int32? = nil, coreDumped: Bool = false) {
        self.code = code; self.signal = signal; self.coreDumped = coreDumped
    }

    public var isSuccess: Bool { code == 0 && signal == nil }

    public var description: String {
        if let s = signal { return "killed by signal \(s) (\(Self.signalName(s)))" + (coreDumped ? ", core dumped" : "") }
        return "exited with code \(code ?? -1)"
    }

    enum CodingKeys: String, CodingKey { case code, signal, coreDumped = "core_dumped" }

    public static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGHUP: return "SIGHUP"
        case SIGINT: return "SIGINT"
        case SIGQUIT: return "SIGQUIT"
        case SIGILL: return "SIGILL"
        case SIGABRT: return "SIGABRT"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        case SIGSEGV: return "SIGSEGV"
        case SIGPIPE: return "SIGPIPE"
        case SIGALRM: return "SIGALRM"
        case SIGTERM: return "SIGTERM"
        case SIGXCPU: return "SIGXCPU"
        case SIGXFSZ: return "SIGXFSZ"
        case SIGSYS: return "SIGSYS"
        default: return "signal \(s)"
        }
    }
}
