#!/usr/bin/env bash
# System packages the browser tests need: Debian's Chromium and a CJK font (without it every
# Chinese character renders as a box in screenshots). Installed only when missing; needs root
# or sudo. Where neither is available the browser tests skip with a message saying so.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi -E "wqy|noto.*cjk" || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system-deps: not root and no sudo; skipping ${need[*]} (browser tests will be skipped)" >&2; exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || \
  echo "system-deps: could not install ${need[*]}; browser tests will be skipped" >&2
