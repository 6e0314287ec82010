#!/usr/bin/env bash
# Makes the pinned Pulumi CLI available at .tools/bin/pulumi.
#
# 1. A `pulumi` of the pinned version already in .tools/bin or on PATH is used as it is.
# 2. Otherwise the CLI is built from its Go modules with the wrapper module in
#    scripts/pulumi-cli (`go install .../pkg/v3/cmd/pulumi@VERSION` is refused because pkg/go.mod
#    carries replace directives). Go's build cache makes later runs fast.
#
# The Node.js language host (pulumi-language-nodejs) is not served by the Go module proxy that this
# project's machines reach, so engine runs use the Automation API's inline programs, which need only
# the `pulumi` binary. The dynamic-provider plugin ships inside the @pulumi/pulumi npm package.
set -euo pipefail

PULUMI_VERSION="v3.248.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
mkdir -p "$BIN"

is_pinned() {
  [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "$PULUMI_VERSION" ]
}

if is_pinned "$BIN/pulumi"; then
  echo "ensure-pulumi: using $BIN/pulumi ($PULUMI_VERSION)"
  exit 0
fi

if command -v pulumi >/dev/null 2>&1 && is_pinned "$(command -v pulumi)"; then
  ln -sf "$(command -v pulumi)" "$BIN/pulumi"
  echo "ensure-pulumi: using $(command -v pulumi) ($PULUMI_VERSION)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "ensure-pulumi: no pulumi $PULUMI_VERSION found and no Go toolchain to build it." >&2
  echo "  Install the CLI with the official installer: curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_VERSION#v}" >&2
  echo "  or install Go (1.25 or newer) and run this script again: bash scripts/ensure-pulumi.sh" >&2
  exit 1
fi

echo "ensure-pulumi: building pulumi $PULUMI_VERSION from Go modules (first build takes several minutes)..."
cd "$ROOT/scripts/pulumi-cli"
go build -trimpath \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  -o "$BIN/pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$BIN/pulumi.partial" "$BIN/pulumi"
echo "ensure-pulumi: built $BIN/pulumi ($("$BIN/pulumi" version))"
