public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that hold secrets or their hashes (`tokens.json`, `admin.token`): written whole or not
/// at all (a temporary file in the same folder, fsync, rename) and readable by the owner only
/// (mode 0600 from the start: the file never exists with wider permissions).
public enum SecretFile {
    /// Writes `data` to `url` atomically with mode 0600.
    /// - Throws: `HostError(.configInvalid)` naming the file and the failing call with its errno text.
    public static func write(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(url, "open(\(tmp.path))") }
        var ok = false
        defer { if !ok { unlink(tmp.path) } }
        let written = data.withUnsafeBytes { buf -> Int in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return -1 }
                off += n
            }
            return off
        }
        guard written == data.count else { let e = failure(url, "write(\(tmp.path))"); close(fd); throw e }
        guard fsync(fd) == 0 else { let e = failure(url, "fsync(\(tmp.path))"); close(fd); throw e }
        close(fd)
        guard rename(tmp.path, url.path) == 0 else { throw failure(url, "rename(\(tmp.path), \(url.path))") }
        ok = true
    }

    /// The permission bits of `url`, or nil when it does not exist.
    public static func mode(of url: URL) -> Int? {
        var st = stat()
        guard stat(url.path, &st) == 0 else { return nil }
        return Int(st.st_mode & 0o777)
    }

    private static func failure(_ url: URL, _ call: String) -> HostError {
        HostError(.configInvalid, subject: url.path, "\(call): \(String(cString: strerror(errno)))")
    }
}
