#!/usr/bin/env bash
# Sets schedcp up on Debian bookworm: system packages (as root; otherwise it lists what is missing),
# npm dependencies, the TypeScript/BPF build, and with --with-vm-kit the sched_ext micro-VM kit.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  clang-19 llvm-19 libelf-dev zlib1g-dev build-essential pkg-config libssl-dev
  linux-source-6.12 bc flex bison dwarves cpio busybox-static
  qemu-system-x86
  rt-tests stress-ng linux-perf strace bubblewrap util-linux iproute2
  bpftool libbpf-dev
  python3
  lz4
  chromium bpftrace
)

with_kit=0
for arg in "$@"; do
  case "$arg" in
    --with-vm-kit) with_kit=1 ;;
    -h|--help)
      echo "Usage: scripts/setup.sh [--with-vm-kit]"
      echo "  Installs Debian packages (when root), runs npm ci and the build."
      echo "  --with-vm-kit  also builds the sched_ext micro-VM kit (kernel build, ~8 min on 2 cores; cached)."
      exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (allowed: --with-vm-kit, --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v node >/dev/null || (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "setup: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install: keeps the quick start fast.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npm run build

if ((with_kit)); then
  node dist/src/cli/main.js vm build
fi
echo "setup: done."
