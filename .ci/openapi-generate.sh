#!/usr/bin/env bash
# Regenerates the code swift-openapi-generator makes from Host/API/openapi.json, with the
# generator's command (not its build plugin: too slow for a clean build on 2 cores):
#   Host/APIClient/Generated  the CLI's client (types + client)
#   Host/APIServer/Generated  the daemon's request/response types and route registration (types + server)
# Each folder's openapi-generator-config.yaml says what is generated there.
#   .ci/openapi-generate.sh          regenerate (builds the generator once, outside the repository)
#   .ci/openapi-generate.sh --check  fail when committed sources were generated from another
#                                    openapi.json or config (cheap: compares sha256, builds nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.14.3
spec=Host/API/openapi.json
targets=(Host/APIClient Host/APIServer)

# One digest over the document and a target's config, recorded in every file generated for it.
stamp_for() { echo "openapi-input-sha256: $(cat "$spec" "$1/openapi-generator-config.yaml" | sha256sum | cut -d' ' -f1)"; }

if [ "${1:-}" = "--check" ]; then
  status=0
  for target in "${targets[@]}"; do
    out="$target/Generated"
    stamp="$(stamp_for "$target")"
    files=("$out"/*.swift)
    if [ ! -e "${files[0]}" ]; then
      echo "$out: expected generated sources, found no .swift file; run .ci/openapi-generate.sh and commit the result" >&2
      status=1; continue
    fi
    for f in "${files[@]}"; do
      if ! grep -qF "// $stamp" "$f"; then
        have="$(grep -o 'openapi-input-sha256: [0-9a-f]*' "$f" || echo 'no stamp')"
        echo "$f: expected \"$stamp\" (sha256 of $spec + $target/openapi-generator-config.yaml), found \"$have\"; run .ci/openapi-generate.sh and commit the result" >&2
        status=1
      fi
    done
    [ "$status" -eq 0 ] && echo "$out is up to date with $spec"
  done
  exit "$status"
fi

# The generator, built once from its release tag into a scratch folder outside the repository.
scratch="${LT_OPENAPI_GENERATOR_DIR:-/tmp/oapigen}"
bin="$scratch/gen/.build/release/swift-openapi-generator"
if [ ! -x "$bin" ]; then
  mkdir -p "$scratch"
  [ -d "$scratch/gen" ] || git clone -q --branch "$version" https://github.com/apple/swift-openapi-generator "$scratch/gen"
  swift build -c release --package-path "$scratch/gen" --product swift-openapi-generator
fi

for target in "${targets[@]}"; do
  out="$target/Generated"
  mkdir -p "$out"
  rm -f "$out"/*.swift
  "$bin" generate "$spec" --config "$target/openapi-generator-config.yaml" --output-directory "$out" \
    --additional-file-comment "$(stamp_for "$target")" >/dev/null
  echo "generated $out from $spec"
done
