#!/usr/bin/env bash
# Builds the two OCI images of the three-daemon stack (docs/cluster.md#running-a-cluster-with-podman)
# from files on this machine, without pulling anything:
#
#   lightning:dev        FROM scratch: the lightning executable and the plugin libraries of one
#                        build folder, their manifests pinned to those libraries, and exactly the
#                        shared libraries they load (ldd), the Swift runtime included.
#   lightning-infra:dev  FROM scratch: busybox (sh and a few applets), Debian's redis-server and
#                        PostgreSQL binaries with their shared libraries, and infra.sh to start
#                        one of them.
#
# Usage: Examples/Cluster/build-images.sh [BUILD_DIR]   (default .build/debug; use a release
#        build for anything but a test: swift build -c release, then .build/release)
# Podman: the local one, or the API service $PODMAN_URL (e.g. unix:///tmp/lt-podman/podman.sock,
# what .ci/run starts). Needs: podman, busybox (busybox-static), redis-server, postgresql.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-.build/debug}"
work="${LT_IMAGE_WORK:-$(mktemp -d /tmp/lt-images.XXXXXX)}"
podman_cmd() { if [ -n "${PODMAN_URL:-}" ]; then podman --url "$PODMAN_URL" "$@"; else podman "$@"; fi; }
log() { echo "build-images: $*" >&2; }

[ -x "$build/lightning" ] || { log "no $build/lightning: build first (swift build, or swift build -c release)"; exit 2; }
for tool in podman busybox redis-server; do command -v "$tool" >/dev/null 2>&1 || [ -x "/bin/$tool" ] || { log "missing $tool"; exit 2; }; done
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { log "missing PostgreSQL (apt-get install postgresql)"; exit 2; }
pgshare=/usr/share/postgresql/$(basename "$(dirname "$pgbin")")

# Copies each file and every shared library it loads (ldd), keeping their paths, into root $1.
with_libraries() {
    local root=$1; shift
    for f in "$@"; do
        mkdir -p "$root$(dirname "$f")"
        cp -L "$f" "$root$f"
        ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' | while read -r lib; do
            [ -e "$root$lib" ] && continue
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
    done
}

# --- lightning:dev -----------------------------------------------------------------------------
root="$work/lightning"
rm -rf "$root"; mkdir -p "$root/opt/lightning/bin" "$root/opt/lightning/manifests" "$root/etc" "$root/tmp" "$root/data" "$root/proc" "$root/dev" "$root/sys"
chmod 1777 "$root/tmp"
libs=()
for f in "$build"/lightning "$build"/libLightning*.so; do libs+=("$(readlink -f "$f")"); done
with_libraries "$root" "${libs[@]}"
# The executable and the plugins in one folder (the daemon's default plugin folder is its own).
for f in "${libs[@]}"; do mv "$root$f" "$root/opt/lightning/bin/"; done
for f in manifests/*.json; do grep -q '"library"' "$f" && cp "$f" "$root/opt/lightning/manifests/"; done
cp Examples/Cluster/cluster-node.json "$root/opt/lightning/cluster-node.json"
"$build/lightning" plugins pin --manifests "$root/opt/lightning/manifests" --plugin-dir "$root/opt/lightning/bin" >&2
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
tar -C "$root" -cf "$work/lightning.tar" .
podman_cmd import --change 'ENTRYPOINT ["/opt/lightning/bin/lightning"]' --change 'WORKDIR /data' \
    --change 'ENV LIGHTNING_DATA_DIR=/data' "$work/lightning.tar" lightning:dev >&2
log "lightning:dev ($(du -sh "$work/lightning.tar" | cut -f1) uncompressed, from $build)"

# --- lightning-infra:dev -----------------------------------------------------------------------
root="$work/infra"
rm -rf "$root"; mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/var/lib/postgresql" "$root/var/run/postgresql" "$root/proc" "$root/dev" "$root/sys"
chmod 1777 "$root/tmp"
cp "$(command -v busybox || echo /bin/busybox)" "$root/bin/busybox"
for applet in sh cat echo mkdir chown chmod sleep ls id env printf test; do ln -sf busybox "$root/bin/$applet"; done
pglib=$(dirname "$pgbin")/lib
with_libraries "$root" "$(command -v redis-server)" "$pgbin/postgres" "$pgbin/initdb" "$pgbin/pg_ctl" "$pglib"/*.so
mkdir -p "$root$pgshare" "$root/usr/share/zoneinfo"; cp -a "$pgshare/." "$root$pgshare/"; cp -a /usr/share/zoneinfo/. "$root/usr/share/zoneinfo/"
# PostgreSQL refuses to run as root: the stack runs this image as uid 999 (postgres).
printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\npostgres:x:999:\n' > "$root/etc/group"
chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
install -m 0755 Examples/Cluster/infra.sh "$root/bin/infra.sh"
sed -i "s|@PGBIN@|$pgbin|; s|@REDIS@|$(command -v redis-server)|" "$root/bin/infra.sh"
tar -C "$root" -cf "$work/infra.tar" .
podman_cmd import --change 'ENTRYPOINT ["/bin/infra.sh"]' "$work/infra.tar" lightning-infra:dev >&2
log "lightning-infra:dev ($(du -sh "$work/infra.tar" | cut -f1) uncompressed)"
[ -n "${LT_IMAGE_WORK:-}" ] || rm -rf "$work"
