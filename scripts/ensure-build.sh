#!/usr/bin/env bash
# The npm scripts (simulate, crm:backfill, crm:check, history:import) run the compiled code in
# dist/, as `npm start` does; this builds it first when it is missing or older than a source.
# dist/.build-stamp is written by `npm run build` (and `make build`); no TypeScript at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/.build-stamp
sources=()
for path in src tsconfig.json tsconfig.build.json package.json package-lock.json; do
  [ -e "$path" ] && sources+=("$path")
done
if [ -f "$stamp" ] && [ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "igbridge: compiling src/ to dist/ first (it is missing or older than the sources)…" >&2
npm run build --silent >&2
