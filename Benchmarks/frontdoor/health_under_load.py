#!/usr/bin/env python3
"""/health latency while the daemon's front door is under each load of issue 18 (docs/reliability.md).

Starts the built daemon (`lightning serve --pin`) on a free port with the local defaults, then for
each scenario: applies the load, sends PROBES sequential `GET /health` requests (a new connection
each, as an orchestrator's probe does), and prints p50 / p99 / max latency and failures.
Bounded: every socket operation has a timeout and every scenario a fixed size.

    python3 Benchmarks/frontdoor/health_under_load.py [--bin .build/debug] [--probes 300]
"""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_daemon(bindir, config, limit=None):
    tmp = tempfile.mkdtemp(prefix="lt-frontdoor-")
    manifests = os.path.join(tmp, "manifests")
    os.makedirs(manifests)
    for name in ("sqlite-storage.json", "local-eventbus.json"):
        shutil.copy(os.path.join(ROOT, "manifests", name), manifests)
    cfg = os.path.join(tmp, "lightning.json")
    with open(cfg, "w") as f:
        json.dump(config, f)
    cmd = [os.path.join(bindir, "lightning"), "serve", "--pin", "--port", "0", "--data-dir", os.path.join(tmp, "data"),
           "--manifests", manifests, "--plugin-dir", bindir, "--config", cfg, "--log-level", "warning"]
    if limit:
        cmd = ["prlimit", f"--nofile={limit}:{limit}"] + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        if "listening on" in line:
            return p, int(line.strip().rsplit(":", 1)[1]), tmp
    p.kill()
    sys.exit("daemon did not start")


def probe(port, timeout=10.0):
    t0 = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        ok = data.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return (time.perf_counter() - t0) * 1000, ok


def measure(port, probes):
    results = [probe(port) for _ in range(probes)]
    lat = sorted(r[0] for r in results)
    failures = sum(1 for r in results if not r[1])
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return statistics.median(lat), p99, lat[-1], failures


def idle(port, n):
    conns = []
    for _ in range(n):
        try:
            conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    return conns


class Background(threading.Thread):
    """Runs `step` until stopped (a load that keeps coming)."""
    def __init__(self, step):
        super().__init__(daemon=True)
        self.step, self.stop = step, threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.step()
            except OSError:
                pass


def slow_headers(port, n):
    conns = idle(port, n)
    def step():
        for c in conns:
            try:
                c.send(b"X")
            except OSError:
                pass
        time.sleep(0.5)
    for c in conns:
        try:
            c.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            pass
    return Background(step), conns


def oversized(port):
    big = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"b" * 1000) for i in range(40)) + b"\r\n"
    def step():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(big)
            while s.recv(65536):
                pass
    return Background(step)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    ap.add_argument("--probes", type=int, default=300)
    a = ap.parse_args()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    rows = []

    p, port, tmp = start_daemon(a.bin, {})
    rows.append(("no load", measure(port, a.probes)))
    conns = idle(port, 1100)
    rows.append((f"{len(conns)} idle connections (cap 4096)", measure(port, a.probes)))
    for c in conns: c.close()
    bg, conns = slow_headers(port, 200)
    bg.start()
    rows.append(("200 slow-header clients (a byte each 0.5 s)", measure(port, a.probes)))
    bg.stop.set(); bg.join()
    for c in conns: c.close()
    bgs = [oversized(port) for _ in range(4)]
    for b in bgs: b.start()
    rows.append(("4 clients sending 40 KiB heads (431) in a loop", measure(port, a.probes)))
    for b in bgs: b.stop.set()
    for b in bgs: b.join()
    p.terminate(); p.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)

    p, port, tmp = start_daemon(a.bin, {}, limit=1024)
    conns = idle(port, 1100)
    rows.append((f"{len(conns)} idle connections, daemon fd limit 1024 (cap 768)", measure(port, a.probes)))
    for c in conns: c.close()
    p.terminate(); p.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)

    p, port, tmp = start_daemon(a.bin, {"http": {"max_connections": 64}})
    conns = idle(port, 1000)
    rows.append((f"{len(conns)} idle connections, max_connections 64", measure(port, a.probes)))
    for c in conns: c.close()
    p.terminate(); p.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)

    print(f"{'load':<62} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'failed':>7}")
    for name, (p50, p99, mx, failed) in rows:
        print(f"{name:<62} {p50:8.2f} {p99:8.2f} {mx:8.2f} {failed:>4}/{a.probes}")


if __name__ == "__main__":
    main()
