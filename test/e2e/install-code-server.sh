#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest release that runs on Node 20) plus Debian's chromium
# for the SegLab end-to-end test. Idempotent: does nothing when the cached code-server already answers --version.
#
#   test/e2e/install-code-server.sh            # prints the code-server binary path on its last line
#
# Cache: ${SEGLAB_E2E_CACHE:-$HOME/.cache/seglab-e2e}/code-server-<version>. Works with only the npm registry and
# Debian apt reachable; the workarounds below are each needed for a plain `npm install code-server` to succeed.
set -euo pipefail

CS_VERSION=4.100.3
CACHE_ROOT=${SEGLAB_E2E_CACHE:-$HOME/.cache/seglab-e2e}
DEST="$CACHE_ROOT/code-server-$CS_VERSION"
BIN="$DEST/node_modules/.bin/code-server"
# Keep everything code-server writes (config.yaml, logs) inside the cache, never in ~/.config or ~/.local.
CS_HOME="$DEST/.cs-home"

cs_version() {
  HOME="$CS_HOME" XDG_CONFIG_HOME="$CS_HOME/.config" XDG_DATA_HOME="$CS_HOME/.local/share" \
    "$BIN" --version 2>/dev/null | grep -F "$CS_VERSION"
}

need_chromium() { [ ! -x /usr/bin/chromium ]; }

if [ -x "$BIN" ] && cs_version >/dev/null && ! need_chromium; then
  echo "code-server $CS_VERSION already installed in $DEST" >&2
  echo "$BIN"
  exit 0
fi

# 1) System packages. libkrb5-dev: the kerberos addon needs gssapi.h. ripgrep: replaces @vscode/ripgrep's GitHub
#    download (GitHub is unreachable). chromium: the browser playwright-core drives.
PKGS=(libkrb5-dev ripgrep chromium)
if ! dpkg -s "${PKGS[@]}" >/dev/null 2>&1; then
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PKGS[@]}"
fi

# 2) @vscode/ripgrep (the version code-server 4.100.3's VS Code pins) checks
#    $TMPDIR/vscode-ripgrep-cache-<pkg version>/<asset> before downloading, so put the system rg there as that asset.
RG_PKG_VERSION=1.15.11
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
export TMPDIR=${TMPDIR:-/tmp}
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-$RG_PKG_VERSION"
mkdir -p "$RG_CACHE"
[ -s "$RG_CACHE/$RG_ASSET" ] || tar czf "$RG_CACHE/$RG_ASSET" -C "$(dirname "$(command -v rg)")" rg

# 3) npm install into the cache folder.
#    --unsafe-perm: code-server's postinstall refuses to run as root unless npm_config_unsafe_perm is set (npm 11
#      warns that the flag is unknown but still exports it to the script).
#    npm_config_yes=true: node-pty's postinstall runs `npx node-gyp`; an npmrc with yes=false makes npx abort.
#    Build node-gyp addons against the local Node headers (nodedir) so nothing is downloaded.
mkdir -p "$DEST" "$CS_HOME"
cd "$DEST"
[ -f package.json ] || printf '{ "name": "seglab-e2e-code-server", "private": true }\n' > package.json
export npm_config_yes=true
[ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr
npm install "code-server@$CS_VERSION" --unsafe-perm --foreground-scripts --no-audit --no-fund

if ! cs_version >&2; then
  echo "code-server $CS_VERSION installed in $DEST but '--version' fails" >&2
  exit 1
fi
echo "$BIN"
