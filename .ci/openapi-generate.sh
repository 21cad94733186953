#!/usr/bin/env bash
# Regenerates the CLI's API client (Host/APIClient/Generated) from Host/API/openapi.json with
# swift-openapi-generator's command (not its build plugin: too slow for a clean build on 2 cores).
#   .ci/openapi-generate.sh          regenerate (builds the generator once, outside the repository)
#   .ci/openapi-generate.sh --check  fail when the committed sources were generated from another
#                                    openapi.json or config (cheap: compares sha256, builds nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.14.3
spec=Host/API/openapi.json
config=Host/APIClient/openapi-generator-config.yaml
out=Host/APIClient/Generated
# One digest over the document and the config, recorded in every generated file.
digest="$(cat "$spec" "$config" | sha256sum | cut -d' ' -f1)"
stamp="openapi-input-sha256: $digest"

if [ "${1:-}" = "--check" ]; then
  status=0
  files=("$out"/*.swift)
  if [ ! -e "${files[0]}" ]; then
    echo "$out: expected the generated client, found no .swift file; run .ci/openapi-generate.sh and commit the result" >&2
    exit 1
  fi
  for f in "${files[@]}"; do
    if ! grep -qF "// $stamp" "$f"; then
      have="$(grep -o 'openapi-input-sha256: [0-9a-f]*' "$f" || echo 'no stamp')"
      echo "$f: expected \"$stamp\" (sha256 of $spec + $config), found \"$have\"; run .ci/openapi-generate.sh and commit the result" >&2
      status=1
    fi
  done
  [ "$status" -eq 0 ] && echo "$out is up to date with $spec ($digest)"
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

mkdir -p "$out"
rm -f "$out"/*.swift
"$bin" generate "$spec" --config "$config" --output-directory "$out" --additional-file-comment "$stamp"
echo "generated $out from $spec ($digest)"
