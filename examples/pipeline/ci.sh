#!/usr/bin/env bash
# The deployment pipeline's steps. The CI workflow (.github/workflows/grafana-cloud.yml) runs them,
# and so does scripts/pipeline.sh in the pulumi-grafana-cloud repository, locally against the
# Grafana Cloud emulator: the same commands with the same flags.
#
#   bash ci.sh preview   the plan: what `up` would change, refreshing first; also written to $PLAN_FILE
#   bash ci.sh up        apply the program, refreshing first (so changes made behind Pulumi's back
#                        are put back)
#   bash ci.sh drift     exit non-zero when the objects in Grafana Cloud differ from the state
#                        (changed behind Pulumi's back), or the program from the state (not applied)
#
# Environment (the CI system's secret store provides the secrets):
#   GRAFANA_CLOUD_ACCESS_POLICY_TOKEN  the Grafana Cloud access policy token (secret, required)
#   GRAFANA_CLOUD_API_URL              the API, default https://grafana.com
#   PULUMI_STACK                       the stack, default production
#   PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE (secret) for a self-managed backend,
#   or PULUMI_ACCESS_TOKEN (secret) for Pulumi Cloud
#   PLAN_FILE                          where `preview` writes the plan, default plan.txt
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

step="${1:-}"
stack="${PULUMI_STACK:-production}"
plan_file="${PLAN_FILE:-plan.txt}"
: "${GRAFANA_CLOUD_ACCESS_POLICY_TOKEN:?is not set: give the pipeline the access policy token from the CI secret store}"

# Never prompt, never colour the logs, always name the stack.
flags=(--stack "$stack" --non-interactive --color never)

# The first run on a new backend creates the stack; later runs select it.
pulumi stack select --create "$stack" --non-interactive

case "$step" in
  preview)
    pulumi preview "${flags[@]}" --refresh --diff 2>&1 | tee "$plan_file"
    exit "${PIPESTATUS[0]}"
    ;;
  up)
    pulumi up "${flags[@]}" --refresh --yes --diff
    ;;
  drift)
    echo "== drift: do the objects in Grafana Cloud still match the state?"
    pulumi refresh "${flags[@]}" --preview-only --expect-no-changes
    echo "== drift: is the program what was applied?"
    pulumi preview "${flags[@]}" --expect-no-changes
    ;;
  *)
    echo "usage: bash ci.sh preview|up|drift" >&2
    exit 2
    ;;
esac
