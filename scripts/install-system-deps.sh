#!/usr/bin/env bash
# System packages the test suite needs: Debian's chromium and chromium-driver for the dash[testing] UI tests.
# Installs them when missing (as root, as on CI); otherwise says what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "missing system packages: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
