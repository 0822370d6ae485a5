#!/usr/bin/env bash
# The README's commands land here. Each one installs what is missing first, so a fresh clone needs
# nothing else: `npm run demo` (the main job) and `npm test` (every test against the real stack).
#   setup  install node modules (pnpm pinned by package.json through corepack), the stack's jars
#          and, when missing, Debian's chromium (the dashboard's browser test)
#   test   setup, build, run all vitest projects (the harness starts or reuses the local stack)
#   demo   setup, stack up, build, run the demo (`npm run demo -- --dashboard`: then the dashboard)
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

# Debian's chromium for the dashboard's browser test (services/dashboard/test), never a browser
# downloaded by a test tool. Installed only when missing, without prompts, with sudo only when not
# root; where that is impossible (no apt-get, no root, no password-less sudo) it says so and goes on:
# only that test needs it (CHROMIUM_PATH names another binary).
need_chromium() {
  if [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then return 0; fi
  local sudo=()
  if (( EUID != 0 )); then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else sudo=(false); fi
  fi
  if ! command -v apt-get >/dev/null 2>&1 || [[ "${sudo[0]:-}" == "false" ]]; then
    echo "note: chromium is missing and cannot be installed here (needs apt-get as root or password-less sudo); the dashboard's browser test will fail: apt-get install chromium fonts-liberation, or set CHROMIUM_PATH" >&2
    return 0
  fi
  echo "installing Debian's chromium (the dashboard's browser test)..."
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation)
  if ! "${sudo[@]}" "${install[@]}" >/dev/null; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    "${sudo[@]}" "${install[@]}" >/dev/null
  fi
}

setup() {
  need_node
  need_chromium
  if [[ "${CI:-}" == "true" ]]; then pnpm install --frozen-lockfile; else pnpm install --frozen-lockfile --prefer-offline; fi
  bash infra/local/stack install
}

# A line per package as its build starts (cached ones say so), and the compiler's output when one
# fails: a cold build takes a minute or more and must be seen to move.
# `build @shadow/demo... @shadow/cli...` builds only those and what they depend on.
build() {
  local filters=()
  for f in "$@"; do filters+=(--filter="$f"); done
  echo "building ${*:-every package} (turbo; cached packages are instant)..."
  pnpm -s turbo run build --output-logs=new-only "${filters[@]}"
}

cmd=${1:-}
case "$cmd" in
  setup) setup ;;
  test)
    setup
    build
    shift
    pnpm -s exec vitest run "$@"
    ;;
  demo)
    shift
    setup
    bash infra/local/stack up
    # the demo and the CLI its closing lines suggest (the dashboard comes with the CLI)
    build '@shadow/demo...' '@shadow/cli...'
    # `npm run demo -- --dashboard` leaves the dashboard up at the end until Ctrl-C.
    node services/demo/dist/main.js "$@"
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
