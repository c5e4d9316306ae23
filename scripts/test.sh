#!/usr/bin/env bash
# Every test, on a fresh machine too: installs what the tests drive where it is missing, then runs `dotnet test`.
#   chromium + fonts-noto-cjk  the review page, driven in Debian's Chromium, with the Chinese labels in CJK fonts
#   redis-server               the multi-process cluster test (real silos against a real Redis membership table)
#   npm                        the built-in model and the demo photos are fetched with npm (demo and tool tests)
#   python3                    shows that the malicious pickle fixture really runs under Python's own pickle
# Installed with apt-get when running as root or with sudo; otherwise it says what to install and runs the tests anyway
# (those that need a missing program then skip or fail with its name). Arguments go on to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[[ "$(fc-list 2>/dev/null || true)" == *"Noto Sans CJK"* ]] || missing+=(fonts-noto-cjk)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v npm >/dev/null || missing+=(npm)
command -v python3 >/dev/null || missing+=(python3)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo=(sudo); fi
  if command -v apt-get >/dev/null && { [ "$(id -u)" = 0 ] || [ ${#sudo[@]} -gt 0 ]; }; then
    echo "installing ${missing[*]} with apt-get …" >&2
    if "${sudo[@]}" apt-get update -qq && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
      missing=()
    else
      echo "scripts/test.sh: apt-get could not install ${missing[*]}" >&2
    fi
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/test.sh: missing ${missing[*]}; install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) or the tests that need them skip or fail" >&2
fi
shared=${WANWU_SHARED:-../shared}
[ -d "$shared" ] || echo "scripts/test.sh: $shared (real photos and models) is absent: the tests that need it will be skipped" >&2

dotnet test Wanwu.slnx "$@"
