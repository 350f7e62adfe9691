#!/usr/bin/env bash
# Makes sure Debian's headless-capable Chromium is at /usr/bin/chromium for the browser test
# (driven by playwright-core; no browser download), with a colour emoji font so reactions
# render in its screenshots. Installs what is missing, non-interactively.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
PACKAGES="chromium fonts-noto-color-emoji"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if [ -x "$CHROMIUM" ] && installed fonts-noto-color-emoji; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  [ -x "$CHROMIUM" ] && exit 0 # the emoji font is nice to have, not needed
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available: install Chromium so that $CHROMIUM exists" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    [ -x "$CHROMIUM" ] && exit 0
    echo "ensure-chromium: $CHROMIUM is missing; run as root or install it: apt-get install -y $PACKAGES" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing $PACKAGES (for the inbox browser test)…"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq $PACKAGES >/dev/null
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: chromium installed but $CHROMIUM is missing" >&2; exit 1; }
echo "ensure-chromium: $CHROMIUM ready"
