#!/usr/bin/env bash
# The one documented way to run Lightning's benchmark suite (docs/benchmarks.md):
#
#   Benchmarks/run.sh                 # the full suite (about 2 minutes on 2 cores, after the build)
#   Benchmarks/run.sh --quick         # a smoke run (seconds)
#   Benchmarks/run.sh --only rpc      # one benchmark
#   Benchmarks/run.sh --json out.json # also write machine-readable results
#
# Builds the products it uses in release mode into .build-release (not .build, so it never disturbs a
# debug build or the tests), installs the peers best effort (pip: supervisor, mcp), then runs
# lightning-bench with the arguments given. On a fresh Debian machine it first installs what the
# build needs (gcc, libsqlite3-dev, python3 and pip) when apt-get is available and we are root.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf 'run.sh: %s\n' "$*" >&2; }

# Build dependencies (as .ci/run installs them).
missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[ -e /usr/include/sqlite3.h ] || missing+=(libsqlite3-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)   # the sandbox spawn peer
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing ${missing[*]}"
        apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || say "apt-get install ${missing[*]} failed; continuing"
    else
        say "missing ${missing[*]} (install them, or run as root with apt-get available)"
    fi
fi

# Peers, best effort: each benchmark says "skipped" when its peer is missing.
if command -v python3 >/dev/null 2>&1; then
    peers=()
    python3 -c 'import supervisor.supervisord' >/dev/null 2>&1 || peers+=('supervisor>=4,<5')
    python3 -c 'import mcp' >/dev/null 2>&1 || peers+=(mcp)
    if [ ${#peers[@]} -gt 0 ]; then
        say "installing peers with pip: ${peers[*]}"
        python3 -m pip install --quiet --disable-pip-version-check "${peers[@]}" >/dev/null 2>&1 \
            || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${peers[@]}" >/dev/null 2>&1 \
            || say "pip install ${peers[*]} failed; the peer figures will say skipped"
    fi
fi

# Only the products the suite uses (so a half-finished unrelated target cannot stop it): the
# suite, the daemon, the test child and the shipped plugin libraries; other plugin libraries
# (the daemon scans every manifest) best effort.
build() { swift build -c release --scratch-path "$root/.build-release" --product "$1" >&2; }
required=(lightning-bench lightning lt-test-child lt-http-floor LightningEchoDriver LightningCExampleDriver LightningLocalEventBus LightningSQLiteStorage)
say "building (release, .build-release): ${required[*]}"
for p in "${required[@]}"; do build "$p"; done
for p in $(grep -o 'library(name: "[A-Za-z0-9]*", type: .dynamic' Package.swift | cut -d'"' -f2); do
    case " ${required[*]} " in *" $p "*) continue ;; esac
    build "$p" || say "could not build $p (its manifest will be reported as failed by the daemon)"
done

exec "$root/.build-release/release/lightning-bench" "$@"
