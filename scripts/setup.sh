#!/usr/bin/env bash
# Sets up ffviz on a Debian machine: system packages, then the virtual environment.
#
#   bash scripts/setup.sh
#
# 1. Debian packages, only those not installed yet: `chromium` (the browser tests
#    drive it; Playwright's own browser download is not used) and
#    `dataset-fashion-mnist` (Fashion-MNIST for the `fashion` data set),
#    `redis-server` and `nginx` (rooms shared by several app processes, deploy/;
#    the tests start their own on loopback ports). Needs root, or sudo.
# 2. `.venv` with everything in requirements-dev.txt. pip runs again only when a
#    requirements file has changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

system_packages=(chromium dataset-fashion-mnist redis-server nginx)

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

missing=()
for package in "${system_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "setup: /usr/bin/chromium is missing after installing Debian's chromium" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  if ! python3 -m venv .venv; then
    # Debian's own python3 keeps `venv` in a separate package.
    rm -rf .venv
    apt_install python3-venv
    python3 -m venv .venv
  fi
fi

stamp=".venv/.ffviz-requirements.sha256"
wanted="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setup: installing requirements-dev.txt into .venv"
  .venv/bin/python -m pip install --disable-pip-version-check -r requirements-dev.txt
  echo "$wanted" > "$stamp"
fi
echo "setup: done ($(.venv/bin/python --version), $(/usr/bin/chromium --version 2>/dev/null | head -n1))"
