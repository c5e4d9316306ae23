# Sourced by the device-*.sh scripts on the device machine: unpacks the self-contained build carried in
# benchmarks/device (made by device-prepare.sh), enters that folder, and sets $w (the wanwu binary) and $out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[1]}")/device"
out=${OUT:-$PWD/../device-out}
mkdir -p "$out" /tmp/wanwu && tar xJf wanwu-sc.tar.xz -C /tmp/wanwu
w=/tmp/wanwu/sc/wanwu
