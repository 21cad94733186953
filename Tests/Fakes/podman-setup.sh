#!/usr/bin/env bash
# Starts podman's Docker-compatible API service for the docker-containers tests
# (docs/containers.md#podman-for-the-tests) and prints its socket path on stdout.
#
# Idempotent: installs what is missing (podman, runc, busybox-static; needs root and apt-get),
# writes a containers.conf that works in a rootful sandbox without systemd, builds a busybox
# root-filesystem tarball, and starts `podman system service` in the background unless one
# already answers on the socket. Everything lives in one folder:
#
#   $LT_PODMAN_DIR (default /tmp/lt-podman)
#     containers.conf        CONTAINERS_CONF for the service
#     storage/ run/          podman's --root and --runroot (separate from the system's)
#     busybox-rootfs.tar     a 2 MB root filesystem: /bin/busybox and its applet links
#     podman.sock            the API socket (printed on stdout)
#     service.log, service.pid
#
# Why these settings (found on Debian 12, podman 4.3.1, cgroups v1 + v2 hybrid, no
# CAP_SYS_RESOURCE): crun fails on setrlimit and on hybrid cgroups, so runtime = runc;
# no systemd, so cgroup_manager = cgroupfs and events_logger = file; podman's own default
# RLIMIT_NPROC (its hard limit, or 4194304) cannot be set by runc's init here, so explicit
# default_ulimits below the current hard limits.
set -euo pipefail

dir="${LT_PODMAN_DIR:-/tmp/lt-podman}"
sock="$dir/podman.sock"
log() { echo "podman-setup: $*" >&2; }

mkdir -p "$dir"

# 1. Packages.
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        log "missing ${missing[*]}: install them (apt-get install -y podman runc busybox-static) as root"
        exit 2
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq podman runc busybox-static >&2
fi

# 2. containers.conf: limits at or below the current hard limits (lowering needs no privilege).
hard_nofile=$(ulimit -Hn); hard_nproc=$(ulimit -Hu)
nofile=1024; nproc=4096
[ "$hard_nofile" != unlimited ] && [ "$hard_nofile" -lt "$nofile" ] && nofile=$hard_nofile
[ "$hard_nproc" != unlimited ] && [ "$hard_nproc" -lt "$nproc" ] && nproc=$hard_nproc
cat > "$dir/containers.conf.new" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
# No network namespace setup needed by the tests; keeps netavark/iptables out of the way.
netns = "host"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
mv "$dir/containers.conf.new" "$dir/containers.conf"
export CONTAINERS_CONF="$dir/containers.conf"

# 3. The busybox root filesystem (what the tests import as an image; no registry needed).
if [ ! -s "$dir/busybox-rootfs.tar" ]; then
    root="$dir/rootfs.build"
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/root"
    cp /bin/busybox "$root/bin/busybox"
    for applet in sh echo cat sleep ls env true false printf id; do ln -sf busybox "$root/bin/$applet"; done
    echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
    echo "root:x:0:" > "$root/etc/group"
    tar -C "$root" -cf "$dir/busybox-rootfs.tar.new" .
    mv "$dir/busybox-rootfs.tar.new" "$dir/busybox-rootfs.tar"
    rm -rf "$root"
fi

# 4. The service, unless one answers already.
ping() {
    python3 - "$sock" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
sys.exit(0 if data.startswith(b"HTTP/1.1 200") and data.endswith(b"OK") else 1)
PY
}

# A running service whose working directory was deleted (started from a checkout that has since
# been removed) cannot start containers: conmon fails with "Failed to get working directory".
stale_cwd() {
    [ -f "$dir/service.pid" ] && case "$(readlink "/proc/$(cat "$dir/service.pid")/cwd" 2>/dev/null)" in *"(deleted)") true ;; *) false ;; esac
}
if [ -S "$sock" ] && ping && ! stale_cwd; then
    log "service already answering on $sock"
    echo "$sock"
    exit 0
fi
if [ -f "$dir/service.pid" ] && kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
    kill "$(cat "$dir/service.pid")" 2>/dev/null || true
    sleep 1
fi
rm -f "$sock"
log "starting podman system service on $sock (log: $dir/service.log)"
cd /  # never a folder that may be deleted while the service runs (see stale_cwd)
setsid podman --root "$dir/storage" --runroot "$dir/run" --log-level=info \
    system service --time=0 "unix://$sock" </dev/null >>"$dir/service.log" 2>&1 &
echo $! > "$dir/service.pid"
for _ in $(seq 1 150); do
    if [ -S "$sock" ] && ping; then
        echo "$sock"
        exit 0
    fi
    if ! kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
        log "podman system service exited; last log lines:"
        tail -20 "$dir/service.log" >&2
        exit 1
    fi
    sleep 0.2
done
log "podman system service did not answer /_ping on $sock within 30 s; last log lines:"
tail -20 "$dir/service.log" >&2
exit 1
