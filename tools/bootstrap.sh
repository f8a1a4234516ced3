#!/usr/bin/env bash
# Installs what building and testing Pagoda needs, from Debian's packages, when it is missing.
# Silent and quick when everything is present; runs `apt-get update` only when it must install.
set -euo pipefail

# command-or-file -> Debian package. The x86 port (issue 11) uses the i686 cross compiler, not
# g++-multilib, which Debian cannot install next to the cross compilers.
need=(
  "cmd:cmake:cmake"
  "cmd:make:make"
  "cmd:g++:g++"
  "cmd:python3:python3"
  "cmd:riscv64-linux-gnu-g++:g++-riscv64-linux-gnu"
  "cmd:qemu-system-riscv64:qemu-system-misc"
  "cmd:i686-linux-gnu-g++:g++-i686-linux-gnu"
  "cmd:i686-linux-gnu-ld:binutils-i686-linux-gnu"
  "cmd:qemu-system-i386:qemu-system-x86"
  "cmd:gdb-multiarch:gdb-multiarch"
  "cmd:chromium:chromium"  # the page-table viewer's test (tests/qemu/test_view.py), headless
  "file:/usr/include/gtest/gtest.h:libgtest-dev"
  "file:/usr/include/gmock/gmock.h:libgmock-dev"
  "file:/usr/include/benchmark/benchmark.h:libbenchmark-dev"
)

missing=()
for entry in "${need[@]}"; do
  IFS=: read -r kind what pkg <<<"$entry"
  case "$kind" in
    cmd) command -v "$what" >/dev/null 2>&1 || missing+=("$pkg") ;;
    file) [ -e "$what" ] || missing+=("$pkg") ;;
  esac
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The kernel relies on the modern (non-legacy) virtio-mmio transport and the virt machine of
# QEMU 7.2 or later, as xv6-riscv does.
version=$(qemu-system-riscv64 --version | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
read -r major minor <<<"$version"
if [ -z "${major:-}" ] || [ "$major" -lt 7 ] || { [ "$major" -eq 7 ] && [ "$minor" -lt 2 ]; }; then
  echo "bootstrap: QEMU ${major:-?}.${minor:-?} is too old; Pagoda needs qemu-system-riscv64 7.2 or later." >&2
  exit 1
fi
