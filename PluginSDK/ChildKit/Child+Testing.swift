public import Foundation
import Synchronization

/// Hooks for the host's own tests (the misbehaving `lt-test-child`); not for child authors.
extension Child {
    /// Makes the `initialize` result claim `version` instead of `ChildProtocol.version`.
    @_spi(Testing)
    public func advertiseProtocolVersion(_ version: String) {
        state.withLock { $0.registry.advertisedVersion = version }
    }

    /// Writes `line` (a newline is appended) to stdout as is, through the same lock as every
    /// other line, skipping the size check and JSON framing.
    /// - Returns: false when stdout is closed.
    @_spi(Testing) @discardableResult
    public func writeRawLine(_ line: Data) -> Bool {
        var data = line
        data.append(0x0A)
        return connection.writer.write(data)
    }
}
