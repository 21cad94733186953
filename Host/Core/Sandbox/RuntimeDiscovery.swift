import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds what a program needs at run time beyond the system libraries, so a strict sandbox can
/// bind exactly that: the library folders an ELF binary names in its RUNPATH/RPATH (the Swift
/// runtime, `/opt/swift/usr/lib/swift/linux`, and `$ORIGIN`), a script's interpreter, and a
/// Python's real executable and installation prefix (pyenv's `python3` is a bash script that
/// would not run inside). Results are cached per path.
enum RuntimeDiscovery {
    /// What to execute and which folders to bind read-only for it.
    struct Runtime: Sendable, Equatable {
        /// The file to execve (differs from the program for a Python behind a shim).
        var executable: String
        /// Folders the program needs, absolute, existing.
        var folders: [String]
        /// True when the program is a Python interpreter (its first script argument's folder is bound).
        var isPython = false
    }

    private static let cache = Locked<[String: Runtime]>([:])

    static func runtime(of program: String) -> Runtime {
        if let hit = cache.withLock({ $0[program] }) { return hit }
        let found = discover(program)
        cache.withLock { $0[program] = found }
        return found
    }

    private static func discover(_ program: String) -> Runtime {
        let real = URL(fileURLWithPath: program).resolvingSymlinksInPath().path
        var folders = [dirname(program)]
        if real != program { folders.append(dirname(real)) }
        var executable = program
        var isPython = false
        let base = URL(fileURLWithPath: program).lastPathComponent
        if base.hasPrefix("python"), let py = python(program) {
            executable = py.executable
            folders += [dirname(py.executable)] + py.prefixes
            isPython = true
        } else if let interpreter = shebang(real) {
            folders.append(dirname(interpreter))
            folders += elfLibraryFolders(URL(fileURLWithPath: interpreter).resolvingSymlinksInPath().path)
        }
        folders += elfLibraryFolders(URL(fileURLWithPath: executable).resolvingSymlinksInPath().path)
        var seen = Set<String>()
        let unique = folders.filter { !$0.isEmpty && seen.insert($0).inserted && FileManager.default.fileExists(atPath: $0) }
        return Runtime(executable: executable, folders: unique, isPython: isPython)
    }

    static func dirname(_ p: String) -> String { URL(fileURLWithPath: p).deletingLastPathComponent().path }

    /// `#!/path/to/interpreter` of a script, if it is one.
    static func shebang(_ path: String) -> String? {
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        let head = (try? fh.read(upToCount: 256)) ?? Data()
        guard head.starts(with: [0x23, 0x21]) else { return nil }
        let line = String(decoding: head.dropFirst(2).prefix { $0 != 0x0A }, as: UTF8.self)
        let interpreter = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init)
        return interpreter?.hasPrefix("/") == true ? interpreter : nil
    }

    /// The real executable and prefixes of a Python, asked from the interpreter itself.
    static func python(_ program: String) -> (executable: String, prefixes: [String])? {
        let script = "import os,sys;print(os.path.realpath(sys.executable));print(sys.base_prefix);print(sys.prefix)"
        guard let out = run([program, "-c", script]) else { return nil }
        let lines = out.split(separator: "\n").map(String.init)
        guard lines.count >= 3, lines[0].hasPrefix("/") else { return nil }
        return (lines[0], Array(lines[1...2]).filter { $0.hasPrefix("/") })
    }

    /// Runs `argv` with the daemon's environment; its stdout, or nil if it failed.
    private static func run(_ argv: [String]) -> String? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, args, environ)
        close(fds[1])
        guard rc == 0 else { close(fds[0]); return nil }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n > 0 { data.append(contentsOf: buf[0..<n]); if data.count > 1 << 16 { break }; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The folders of DT_RUNPATH / DT_RPATH of a 64-bit little-endian ELF file, `$ORIGIN`
    /// expanded; empty for anything else. Reads only the headers and the two sections it needs.
    static func elfLibraryFolders(_ path: String) -> [String] {
        guard let fh = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? fh.close() }
        func read(_ offset: Int, _ count: Int) -> [UInt8] {
            guard offset >= 0, count > 0, count < 64 << 20, (try? fh.seek(toOffset: UInt64(offset))) != nil else { return [] }
            return [UInt8]((try? fh.read(upToCount: count)) ?? Data())
        }
        func u16(_ d: [UInt8], _ o: Int) -> Int { o + 2 <= d.count ? Int(d[o]) | Int(d[o + 1]) << 8 : 0 }
        func u32(_ d: [UInt8], _ o: Int) -> Int { u16(d, o) | u16(d, o + 2) << 16 }
        func u64(_ d: [UInt8], _ o: Int) -> Int { u32(d, o) | u32(d, o + 4) << 32 }
        let h = read(0, 64)
        guard h.count == 64, h[0] == 0x7F, h[1] == 0x45, h[2] == 0x4C, h[3] == 0x46, h[4] == 2, h[5] == 1 else { return [] }
        let shoff = u64(h, 0x28), shentsize = u16(h, 0x3A), shnum = u16(h, 0x3C)
        guard shoff > 0, shentsize >= 64, shnum > 0 else { return [] }
        let table = read(shoff, shnum * shentsize)
        guard table.count == shnum * shentsize else { return [] }
        func section(_ i: Int) -> (type: Int, offset: Int, size: Int, link: Int) {
            let b = i * shentsize
            return (u32(table, b + 4), u64(table, b + 0x18), u64(table, b + 0x20), u32(table, b + 0x28))
        }
        let origin = dirname(path)
        var out: [String] = []
        for i in 0..<shnum {
            let s = section(i)
            guard s.type == 6 /* SHT_DYNAMIC */, s.link < shnum else { continue }
            let dyn = read(s.offset, s.size)
            let strs = read(section(s.link).offset, section(s.link).size)
            var o = 0
            while o + 16 <= dyn.count {
                let tag = u64(dyn, o), val = u64(dyn, o + 8)
                o += 16
                if tag == 0 { break }
                guard tag == 29 /* DT_RUNPATH */ || tag == 15 /* DT_RPATH */, val < strs.count else { continue }
                let bytes = strs[val...].prefix { $0 != 0 }
                for entry in String(decoding: bytes, as: UTF8.self).split(separator: ":") {
                    let p = String(entry).replacingOccurrences(of: "${ORIGIN}", with: origin).replacingOccurrences(of: "$ORIGIN", with: origin)
                    if p.hasPrefix("/") { out.append(URL(fileURLWithPath: p).standardizedFileURL.path) }
                }
            }
        }
        return out
    }
}
