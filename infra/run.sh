#!/usr/bin/env bash
# The README's commands land here. Each one installs what is missing first, so a fresh clone needs
# nothing else: `npm run demo` (the main job) and `npm test` (every test against the real stack).
#   setup  install node modules (pnpm pinned by package.json through corepack) and the stack's jars
#   test   setup, build, run all vitest projects (the harness starts or reuses the local stack)
#   demo   setup, stack up, build, run the demo
#   turbo  TASK...  run a turbo task (build, typecheck) with the pinned pnpm on PATH
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/infra/bin:$PATH" TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

# corepack verifies pnpm's registry signature; the npm mirror these machines use serves metadata
# without signatures, so the check is turned off (the version is still pinned by packageManager).
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0

need_node() {
  local major minor
  IFS=. read -r major minor _ <<<"$(node -p 'process.versions.node')"
  if (( major < 20 || (major == 20 && minor < 19) )); then
    echo "Node >= 20.19 is required (found $(node --version))" >&2
    exit 1
  fi
}

setup() {
  need_node
  if [[ "${CI:-}" == "true" ]]; then pnpm install --frozen-lockfile; else pnpm install --frozen-lockfile --prefer-offline; fi
  bash infra/local/stack install
}

cmd=${1:-}
case "$cmd" in
  setup) setup ;;
  test)
    setup
    pnpm -s turbo run build --output-logs=errors-only
    shift
    pnpm -s exec vitest run "$@"
    ;;
  demo)
    setup
    bash infra/local/stack up
    pnpm -s turbo run build --output-logs=errors-only
    node services/demo/dist/main.js
    ;;
  turbo)
    shift
    pnpm -s turbo run "$@" --output-logs=errors-only
    ;;
  *)
    echo "usage: infra/run.sh setup|test|demo|turbo TASK" >&2
    exit 2
    ;;
esac
