#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium and a CJK font for the browser tests (without
# the font every Chinese character renders as a box in screenshots), and Virtuoso for the remote
# store tests (tests/graph/test_backends.py starts it from scripts/virtuoso.ini). Installed only
# when missing; needs root or sudo. Where neither is available those tests skip with a message.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi -E "wqy|noto.*cjk" || need+=(fonts-wqy-microhei)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system-deps: not root and no sudo; skipping ${need[*]} (browser tests will be skipped)" >&2; exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if [[ " ${need[*]} " == *" virtuoso-opensource "* ]] && command -v debconf-set-selections >/dev/null 2>&1; then
  # the package asks for a DBA password; the tests never use the system instance (they start their own)
  printf '%s\n' "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba" \
    "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba" | $SUDO debconf-set-selections || true
fi
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || \
  echo "system-deps: could not install ${need[*]}; browser / Virtuoso tests will be skipped" >&2
