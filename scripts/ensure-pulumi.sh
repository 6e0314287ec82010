#!/usr/bin/env bash
# Makes the pinned Pulumi CLI and the two plugins a Node.js program needs available in .tools/bin,
# laid out as an official install lays them out (the CLI looks for its bundled plugins next to its
# own binary, so none is taken "from $PATH" with a warning):
#
#   .tools/bin/pulumi                         the CLI, v3.248.0
#   .tools/bin/pulumi-language-nodejs         the Node.js language host (runs `pulumi preview` etc.
#                                             of a project directory)
#   .tools/bin/pulumi-resource-pulumi-nodejs  the dynamic-provider plugin: a small script that
#                                             ships in the @pulumi/pulumi npm package
#
# 1. A full install of the pinned version on PATH (pulumi with its plugins beside it, as the
#    official installer leaves it) is linked and used as it is.
# 2. Otherwise the CLI is built from its Go modules with the wrapper module in scripts/pulumi-cli
#    (`go install .../pkg/v3/cmd/pulumi@VERSION` is refused because pkg/go.mod carries replace
#    directives), and the language host with the wrapper module in scripts/pulumi-language-nodejs:
#    the host's own Go module is not served by the Go module proxy, and v3.68.0 is the last release
#    whose sdk/v3 module still contained nodejs/cmd/pulumi-language-nodejs.
#
# Each piece is checked by version and rebuilt only when missing or of another version, so a second
# run takes about a second. Go's build cache makes rebuilds fast.
set -euo pipefail

PULUMI_VERSION="v3.248.0"
LANGUAGE_HOST_VERSION="v3.68.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.tools/bin"
DYNAMIC_PLUGIN_SOURCE="$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
mkdir -p "$BIN"

say() { echo "ensure-pulumi: $*"; }

is_pinned() {
  [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "$PULUMI_VERSION" ]
}

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "ensure-pulumi: $1 is missing and there is no Go toolchain to build it." >&2
    echo "  Install the CLI with the official installer: curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_VERSION#v}" >&2
    echo "  (it brings the language host and the dynamic-provider plugin), then run this script again," >&2
    echo "  or install Go (1.25 or newer) and run this script again: bash scripts/ensure-pulumi.sh" >&2
    exit 1
  fi
}

# The language host prints no version of its own; Go records the module it was built from in the
# binary (what `go version -m` shows), which a plain grep finds without a Go toolchain.
host_is_pinned() {
  [ -x "$1" ] && grep -aq "github.com/pulumi/pulumi/sdk/v3	$LANGUAGE_HOST_VERSION" "$1"
}

# The directory of a full install of the pinned version on PATH (pulumi with its plugins beside it).
full_install_on_path() {
  local ambient dir
  ambient="$(command -v pulumi 2>/dev/null || true)"
  [ -n "$ambient" ] && [ "$(readlink -f "$ambient")" != "$(readlink -f "$BIN/pulumi" 2>/dev/null)" ] || return 1
  is_pinned "$ambient" || return 1
  dir="$(dirname "$(readlink -f "$ambient")")"
  [ -x "$dir/pulumi-language-nodejs" ] && [ -x "$dir/pulumi-resource-pulumi-nodejs" ] || return 1
  echo "$dir"
}

# 1. A link made by an earlier run to a full install: still good?
if [ -L "$BIN/pulumi" ]; then
  linked_dir="$(dirname "$(readlink -f "$BIN/pulumi")")"
  if is_pinned "$BIN/pulumi" && [ -x "$linked_dir/pulumi-language-nodejs" ] &&
    [ -x "$linked_dir/pulumi-resource-pulumi-nodejs" ]; then
    say "using $linked_dir/pulumi ($PULUMI_VERSION) and the plugins installed with it"
    exit 0
  fi
  rm -f "$BIN/pulumi"
fi
# 2. A full install on PATH, unless a CLI was built here before. The CLI resolves its own symlink to
#    find its bundled plugins, so linking the binary is enough; plugins built here earlier are
#    removed, since one on PATH that is not the bundled one draws a warning.
if ! is_pinned "$BIN/pulumi" && install_dir="$(full_install_on_path)"; then
  ln -sfn "$install_dir/pulumi" "$BIN/pulumi"
  rm -f "$BIN/pulumi-language-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
  say "using $install_dir/pulumi ($PULUMI_VERSION) and the plugins installed with it"
  exit 0
fi

# 3. Built here from Go modules.
if is_pinned "$BIN/pulumi"; then
  say "pulumi $PULUMI_VERSION is in $BIN"
else
  need_go "pulumi $PULUMI_VERSION"
  say "building pulumi $PULUMI_VERSION from Go modules (the first build takes several minutes)..."
  (
    cd "$ROOT/scripts/pulumi-cli"
    go build -trimpath \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$BIN/pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
  mv "$BIN/pulumi.partial" "$BIN/pulumi"
  say "built $BIN/pulumi ($("$BIN/pulumi" version))"
fi

if host_is_pinned "$BIN/pulumi-language-nodejs"; then
  say "pulumi-language-nodejs (from sdk $LANGUAGE_HOST_VERSION) is in $BIN"
else
  need_go "pulumi-language-nodejs"
  say "building pulumi-language-nodejs from sdk $LANGUAGE_HOST_VERSION (about a minute)..."
  (
    cd "$ROOT/scripts/pulumi-language-nodejs"
    go build -trimpath \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGUAGE_HOST_VERSION" \
      -o "$BIN/pulumi-language-nodejs.partial" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
  )
  mv "$BIN/pulumi-language-nodejs.partial" "$BIN/pulumi-language-nodejs"
  say "built $BIN/pulumi-language-nodejs"
fi

if [ ! -f "$DYNAMIC_PLUGIN_SOURCE" ]; then
  echo "ensure-pulumi: $DYNAMIC_PLUGIN_SOURCE is missing: run npm ci first." >&2
  exit 1
fi
if ! cmp -s "$DYNAMIC_PLUGIN_SOURCE" "$BIN/pulumi-resource-pulumi-nodejs"; then
  cp "$DYNAMIC_PLUGIN_SOURCE" "$BIN/pulumi-resource-pulumi-nodejs"
  chmod 755 "$BIN/pulumi-resource-pulumi-nodejs"
  say "copied pulumi-resource-pulumi-nodejs from @pulumi/pulumi $(node -p "require('$ROOT/node_modules/@pulumi/pulumi/package.json').version")"
else
  say "pulumi-resource-pulumi-nodejs is in $BIN"
fi
