// lt-test-child: a child program for the supervisor's tests; the first argument picks how it
// behaves (see `usage`). Everything but the deliberate misbehaviour goes through ChildKit.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LightningChildKit

let usage = """
    usage: lt-test-child MODE [ARGS]
      well                  agent (test.*) and functions echo, sleep, effect, pid
      version2              answers initialize claiming protocol_version 2.0, then as well
      crash-after MS        as well, exits with status 3 MS ms after start
      exit-on-init CODE     exits with CODE on receiving initialize, before answering
      never-ready           reads stdin, never answers initialize (exits at stdin EOF)
      garbage               as well, plus "this is not json" on stdout every 50 ms
      some-garbage N        as well, plus N non-JSON lines on stdout after initialize
      garbage-before-init N N non-JSON lines then the initialize answer in one write
      slow-ready MS         answers initialize after MS ms (reads until EOF)
      oversize              as well, plus one 8 MiB line on stdout after initialize
      flood                 as well, plus log notifications as fast as possible forever
      no-read               answers initialize, then never reads stdin again
      hang                  answers initialize, then reads but never answers (not even at EOF)
      ignore-term           as well, but ignores SIGTERM, shutdown/exit and stdin EOF
      grandchild PIDFILE    as well, plus /bin/sleep 1000 spawned in its process group
      stderr-spam           as well, plus 5000 lines on stderr at start
      probe CHECK...        runs checks (read:PATH list:PATH write:PATH socket:inet|inet6|unix
                            connect:PORT ptrace:traceme|parent id exec:PATH[,ARG] escape:TAG),
                            "probe CHECK: RESULT" on stderr for each, then as well
    hostile (exit 66 where they could hurt the machine):
      fork-bomb             forks until fork fails (children fork on), then exits 3 (sandbox only)
      memory-hog            allocates 16 MiB arrays until the runtime cannot (needs RLIMIT_AS)
      cgroup-memory-hog     the same, in a child cgroup of a Lightning supervisor (needs one)
      cpu-spin              spins on the CPU (needs RLIMIT_CPU)
      forbidden-syscall     calls init_module (seccomp: SIGSYS) (sandbox only)
      big-file PATH MB      writes MB MiB to PATH (RLIMIT_FSIZE: SIGXFSZ) (sandbox only)

    """

let args = Array(CommandLine.arguments.dropFirst())

func fail(_ message: String) -> Never {
    TestChildIO.stderr("lt-test-child: \(message)\n\(usage)")
    exit(64)
}

func intArgument(_ what: String) -> Int {
    guard args.count >= 2, let n = Int(args[1]) else {
        fail("\(args[0]): expected an integer \(what), got \(args.count >= 2 ? "\"\(args[1])\"" : "nothing")")
    }
    return n
}

guard let mode = args.first else { fail("missing MODE") }
TestChildIO.stderr("lt-test-child ready pid=\(getpid())\n")

switch mode {
case "well":
    await WellBehaved.make().run()
case "version2":
    await Misbehaviour.version2()
case "crash-after":
    await Misbehaviour.crashAfter(ms: intArgument("MS"))
case "exit-on-init":
    ByHand.exitOnInitialize(code: Int32(truncatingIfNeeded: intArgument("CODE")))
case "never-ready":
    ByHand.neverReady()
case "garbage":
    await Misbehaviour.garbage()
case "some-garbage":
    await Misbehaviour.someGarbage(count: intArgument("N"))
case "garbage-before-init":
    ByHand.garbageBeforeInitialize(count: intArgument("N"))
case "slow-ready":
    ByHand.slowReady(ms: intArgument("MS"))
case "oversize":
    await Misbehaviour.oversize()
case "flood":
    await Misbehaviour.flood()
case "no-read":
    ByHand.noRead()
case "hang":
    ByHand.hang()
case "ignore-term":
    await Misbehaviour.ignoreTerm()
case "grandchild":
    guard args.count >= 2 else { fail("grandchild: expected a PIDFILE") }
    await Misbehaviour.grandchild(pidfile: args[1])
case "probe":
    await Hostile.probes(Array(args.dropFirst()))
case "fork-bomb":
    Hostile.forkBomb()
case "memory-hog":
    Hostile.memoryHog()
case "cgroup-memory-hog":
    Hostile.memoryHog(inCgroup: true)
case "cpu-spin":
    Hostile.cpuSpin()
case "forbidden-syscall":
    Hostile.forbiddenSyscall()
case "big-file":
    guard args.count >= 3, let mb = Int(args[2]) else { fail("big-file: expected PATH MB") }
    Hostile.bigFile(args[1], mb: mb)
case "stderr-spam":
    for n in 1...5000 { TestChildIO.stderr("spam line \(n)\n") }
    await WellBehaved.make().run()
default:
    fail("unknown mode \"\(mode)\"")
}
exit(0)
