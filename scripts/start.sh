#!/bin/sh
# How `npm start` runs the server: the bundle (scripts/build.mjs → dist/main.js) under plain node,
# with three process settings for argon2id's 19 MiB of working memory per verification, each a
# default the environment can override (docs/performance.md, "First token"):
#   UV_THREADPOOL_SIZE=2        libuv's pool, where argon2 runs: two threads, as many as may hash
#                               at once (SecretHasher), each warmed at start.
#   MALLOC_MMAP_THRESHOLD_=32 MiB, MALLOC_TRIM_THRESHOLD_=64 MiB
#                               glibc keeps that memory mapped between verifications instead of
#                               returning it and faulting it in again (~60 ms each time).
# And one for V8's heap (docs/performance.md, "Memory"):
#   NODE_HEAP_GROWING_PERCENT=50
#                               the old generation may grow to 1.5× what the last full GC kept
#                               before the next one (V8's own factor is up to 4× on a small heap):
#                               under load, peak RSS 170 MiB per worker instead of 215–224, at no
#                               measurable CPU cost (node:cluster workers inherit the flag).
# And, on the embedded database only (no DATABASE_URL; docs/performance.md, "The embedded
# default's footprint"):
#   NODE_WASM_FLAGS="--no-wasm-tier-up --no-wasm-dynamic-tiering"
#                               PGlite's WebAssembly stays on V8's baseline compiler: optimising
#                               PostgreSQL's functions in the background left ~120 MiB of freed
#                               compiler memory in glibc's thread arenas, never given back (the trim
#                               threshold above), to make warm queries 9–36% cheaper. Set it empty
#                               to optimise anyway.
# Extra arguments go to node (e.g. --cpu-prof).
export UV_THREADPOOL_SIZE="${UV_THREADPOOL_SIZE:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-67108864}"
wasm_flags=""
if [ -z "${DATABASE_URL:-}" ]; then wasm_flags="${NODE_WASM_FLAGS---no-wasm-tier-up --no-wasm-dynamic-tiering}"; fi
bundle="$(dirname "$0")/../dist/main.js"
if [ ! -f "$bundle" ]; then
  echo "scripts/start.sh: $bundle is missing; run \`npm run build\` first (\`npm start\` does both)" >&2
  exit 2
fi
# shellcheck disable=SC2086 # wasm_flags is a list of flags
exec node --heap-growing-percent="${NODE_HEAP_GROWING_PERCENT:-50}" $wasm_flags "$@" "$bundle"
