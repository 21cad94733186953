import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads and writes of cgroup files: one `write(2)` per value (the kernel takes a control file's
/// value from a single write), errors as text for the operator.
enum CgroupFile {
    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// Writes `value` with one write; nil on success, else the system's reason.
    static func write(_ path: String, _ value: String) -> String? {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return n == bytes.count ? nil : String(cString: strerror(n < 0 ? errno : EIO))
    }

    /// mkdir (an existing folder is fine); nil on success.
    static func makeDirectory(_ path: String) -> String? {
        mkdir(path, 0o755) == 0 || errno == EEXIST ? nil : String(cString: strerror(errno))
    }

    /// rmdir (a cgroup folder goes only once no process is in it); nil on success.
    @discardableResult
    static func removeDirectory(_ path: String) -> String? {
        rmdir(path) == 0 || errno == ENOENT ? nil : String(cString: strerror(errno))
    }

    /// The sub-folders of `path` (cgroup children), names only.
    static func subdirectories(_ path: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { name in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDir) && isDir.boolValue
        }
    }

    /// The `key N` value of a flat-keyed file (`memory.events`, `memory.oom_control`).
    static func counter(_ path: String, _ key: String) -> Int? {
        guard let text = read(path) else { return nil }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, f[0] == key { return Int(f[1]) }
        }
        return nil
    }
}
