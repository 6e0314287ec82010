#!/usr/bin/env bash
# Runs the deployment pipeline of examples/pipeline locally, against the Grafana Cloud emulator:
# the steps of examples/pipeline/ci.sh (the ones its CI workflow runs), with a local file backend
# and a passphrase instead of the CI system's backend and secret store.
#
#   bash scripts/pipeline.sh [--workdir DIR] [--api-url URL] [--token TOKEN] [STEP...]
#
#   STEP       preview | up | drift (default: preview up drift); run in the order given
#   --workdir  where the project copy, the backend and the plan live, kept between invocations
#              (default: a temporary directory, removed at the end)
#   --api-url  an emulator (or API) to use; default: start the emulator on 127.0.0.1, port 0,
#              and stop it at the end
#   --token    the access policy token for --api-url (default: the emulator's, emulator-token)
#
# Needs `npm ci` and `npm run build` (the package and the emulator are used from dist/), and the
# Pulumi CLI in .tools/bin (bash scripts/ensure-pulumi.sh). Exits with the first failing step's code.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

workdir=""
api_url=""
token="emulator-token"
steps=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) workdir="$2"; shift 2 ;;
    --api-url) api_url="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    -h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    preview | up | drift) steps+=("$1"); shift ;;
    *) echo "pipeline.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#steps[@]} -gt 0 ] || steps=(preview up drift)

for need in "$ROOT/.tools/bin/pulumi" "$ROOT/dist/provider/index.js" "$ROOT/dist/emulator/cli.js"; do
  if [ ! -e "$need" ]; then
    echo "pipeline.sh: $need is missing: run npm ci, npm run build and bash scripts/ensure-pulumi.sh" >&2
    exit 1
  fi
done

cleanup_dir=""
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  if [ -n "$cleanup_dir" ]; then rm -rf "$cleanup_dir"; fi
}
trap cleanup EXIT

if [ -z "$workdir" ]; then
  workdir="$(mktemp -d "${TMPDIR:-/tmp}/grafana-cloud-pipeline.XXXXXX")"
  cleanup_dir="$workdir"
fi
mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"

# The project: a copy of examples/pipeline whose node_modules has this repository's package and
# its @pulumi/pulumi, as an `npm ci` of a project depending on the package would give it.
project="$workdir/project"
if [ ! -f "$project/Pulumi.yaml" ]; then
  mkdir -p "$project/node_modules"
  cp -R "$ROOT/examples/pipeline/." "$project/"
  ln -sfn "$ROOT" "$project/node_modules/pulumi-grafana-cloud"
  for dep in @pulumi @types typescript; do ln -sfn "$ROOT/node_modules/$dep" "$project/node_modules/$dep"; done
  # The emulator's stack is removed at the end of a local run; a real pipeline keeps the default.
  printf 'config:\n  grafana-cloud-pipeline:deleteProtection: "false"\n' > "$project/Pulumi.local.yaml"
fi

if [ -z "$api_url" ]; then
  log="$workdir/emulator.log"
  node "$ROOT/dist/emulator/cli.js" --host 127.0.0.1 --port 0 --readiness-delay-ms 200 >"$log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 100); do
    api_url="$(sed -n 's/^listening on \(http:\/\/[^ ]*\)$/\1/p' "$log" | head -n 1)"
    [ -n "$api_url" ] && break
    sleep 0.1
  done
  if [ -z "$api_url" ]; then echo "pipeline.sh: the emulator did not start: $(cat "$log")" >&2; exit 1; fi
  echo "pipeline.sh: emulator on $api_url"
fi

# What the CI system's settings and secret store provide in the workflow.
export PATH="$ROOT/.tools/bin:$PATH"
export PULUMI_BACKEND_URL="file://$workdir/backend"
export PULUMI_HOME="$workdir/pulumi-home"
export PULUMI_CONFIG_PASSPHRASE="local-pipeline-passphrase"
export PULUMI_STACK="local"
export PULUMI_SKIP_UPDATE_CHECK=true
export GRAFANA_CLOUD_API_URL="$api_url"
export GRAFANA_CLOUD_ACCESS_POLICY_TOKEN="$token"
export PLAN_FILE="$workdir/plan.txt"
mkdir -p "$workdir/backend" "$PULUMI_HOME"

for step in "${steps[@]}"; do
  echo "== pipeline: $step"
  bash "$project/ci.sh" "$step"
done
echo "== pipeline: ${steps[*]}: passed"
