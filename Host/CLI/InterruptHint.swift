import Foundation

/// Ctrl-C while a command waits for a daemon-side operation that goes on without it: prints
/// `hint` on stderr and exits 130, instead of dying silently (the operation is not cancelled:
/// the daemon owns it).
///
/// Threading: the handler runs on a serial queue of its own; `end()` restores the default
/// SIGINT behaviour; call it once, when the wait is over.
struct InterruptHint {
    private let source: any DispatchSourceSignal

    init(_ hint: String) {
        signal(SIGINT, SIG_IGN)  // delivered to the dispatch source instead of killing the process
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "lightning.cli.sigint"))
        source.setEventHandler {
            FileHandle.standardError.write(Data(("\n" + hint + "\n").utf8))
            exit(130)
        }
        source.resume()
    }

    func end() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
