#!/usr/bin/env bash
# Creates (or reuses) the three Python 3.10 environments from the pinned requirement files:
#   .venv-rasa : the Rasa server (rasa 3.6.21 pins SQLAlchemy < 1.5, TensorFlow ...)
#   .venv-app  : actions, bot, tests (rasa-sdk 3.6.2, SQLAlchemy 2, ...)
#   .venv-ralph: Ralph (ralph-malph), the xAPI statement models and LRS the export tests check against
#   node_modules: the Node packages of package-lock.json (the tests' Telegram Bot API emulator)
#   docker/compose-schema/node_modules: the Compose Specification's JSON schema (the docker-compose.yml test)
# Each environment lives in a cache folder named by the hash of its requirement or lock file,
# so a re-run with unchanged requirements only checks their marker files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${QSER_CACHE_DIR:-$HOME/.cache/qser}"

is_py310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
  if command -v pyenv >/dev/null 2>&1; then
    local root; root="$(pyenv root)"
    for p in "$root"/versions/3.10*/bin/python; do [ -x "$p" ] && candidates+=("$p"); done
  fi
  for p in "${candidates[@]}"; do
    if is_py310 "$p"; then echo "$p"; return 0; fi
  done
  cat >&2 <<'MSG'
qser set-up: Python 3.10 not found (Rasa 3.6 runs only on Python 3.8-3.10).
Install it and run again, for example:
  pyenv install 3.10.13            (then set-up finds it by itself)
  or: apt-get install python3.10 python3.10-venv
  or: point PYTHON at a Python 3.10 interpreter: PYTHON=/path/to/python3.10 ./qser test
MSG
  return 1
}

make_env() {  # name requirements-file
  local name="$1" req="$2"
  local hash; hash="$( (cat "$req"; "$PY" -V) | sha256sum | cut -c1-12)"
  local dir="$CACHE/venvs/$name-$hash"
  if [ ! -f "$dir/.qser-complete" ]; then
    echo "qser set-up: creating the $name environment in $dir (first time: a few minutes)" >&2
    rm -rf "$dir"
    mkdir -p "$CACHE/venvs"
    "$PY" -m venv "$dir"
    local log="$CACHE/venvs/$name-$hash.log"
    if ! { "$dir/bin/python" -m pip install --disable-pip-version-check --upgrade "pip<25" wheel &&
           "$dir/bin/python" -m pip install --disable-pip-version-check -r "$req"; } >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      echo "qser set-up: installing $req failed; full log: $log" >&2
      exit 1
    fi
    touch "$dir/.qser-complete"
  fi
  ln -sfn "$dir" "$ROOT/.venv-$name"
}

# Node packages for the tests, each folder's from its package-lock.json: the root's (telegram-test-api, the
# Telegram tests' Bot API emulator) and docker/compose-schema's (the Compose Specification's JSON schema, for the
# docker-compose.yml test). `npm ci` installs them into a cache folder named by the hash of the lock file, linked
# as the folder's node_modules. Without npm set-up says so and goes on (only those tests need them).
make_node_modules() {  # folder
  local src="$1"
  if ! command -v npm >/dev/null 2>&1; then
    echo "qser set-up: npm not found; the Telegram and docker-compose tests need Node.js 18+ and npm (apt-get install nodejs npm)" >&2
    return 0
  fi
  local hash; hash="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)"
  local dir="$CACHE/node/$hash"
  if [ ! -f "$dir/.qser-complete" ]; then
    echo "qser set-up: installing the Node packages of $src/package-lock.json in $dir" >&2
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    local log="$CACHE/node/$hash.log"
    if ! (cd "$dir" && npm ci --no-audit --no-fund) >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      echo "qser set-up: npm ci failed; full log: $log" >&2
      exit 1
    fi
    touch "$dir/.qser-complete"
  fi
  # a node_modules folder left by a manual `npm install` gives way to the link
  [ -d "$src/node_modules" ] && [ ! -L "$src/node_modules" ] && rm -rf "$src/node_modules"
  ln -sfn "$dir/node_modules" "$src/node_modules"
}

# System programs: graphviz's `dot` draws scenario graphs (qser graph); the web tests drive Debian's
# Chromium with Playwright (Playwright's own browser download is not used).
install_debian_packages() {
  local missing=()
  command -v dot >/dev/null 2>&1 || missing+=(graphviz)
  [ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "qser set-up: installing Debian packages: ${missing[*]}" >&2
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1; then
    echo "qser set-up: could not install ${missing[*]}; install them with apt-get and run again" >&2
    exit 1
  fi
}

install_debian_packages
PY="$(find_python)"
mkdir -p "$CACHE/venvs"
exec 9>"$CACHE/venvs/.lock"
flock 9  # several ./qser commands at once (tests, a second shell) build each environment once
make_env app "$ROOT/requirements/app.txt"
make_env rasa "$ROOT/requirements/rasa.txt"
make_env ralph "$ROOT/requirements/ralph.txt"  # Ralph: the xAPI models and LRS of the export tests
make_node_modules "$ROOT"
make_node_modules "$ROOT/docker/compose-schema"
