#!/usr/bin/env bash
# Builds the sched_ext micro-VM kit: a minimal 6.12 guest kernel with sched_ext, libbpf/bpftool/
# vmlinux.h from the same tree, the static guest loader and probe, and the base initramfs.
# Usage: build-kit.sh OUT_DIR WORK_DIR   (run by `schedcp vm build`, which caches OUT_DIR by an
# inputs hash and deletes WORK_DIR afterwards). Progress lines start with "@@STEP ".
set -euo pipefail

OUT=${1:?usage: build-kit.sh OUT_DIR WORK_DIR}
WORK=${2:?usage: build-kit.sh OUT_DIR WORK_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-$(nproc)}
CLANG=${CLANG:-clang-19}
LLVM_STRIP=${LLVM_STRIP:-llvm-strip-19}
TOTAL=7
step() { echo "@@STEP $1/$TOTAL $2"; }

[ -r "$TARBALL" ] || { echo "linux source tarball $TARBALL not found: apt-get install linux-source-6.12" >&2; exit 2; }
for tool in "$CLANG" "$LLVM_STRIP" pahole bc flex bison gcc make cpio busybox hackbench stress-ng; do
  command -v "$tool" >/dev/null || { echo "required tool '$tool' is missing: run scripts/setup.sh" >&2; exit 2; }
done
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)
WORK=$(cd "$WORK" && pwd)

step 1 "extracting $(basename "$TARBALL")"
if [ ! -f "$WORK/linux/Makefile" ]; then
  rm -rf "$WORK/linux" "$WORK/linux-extract"
  mkdir -p "$WORK/linux-extract"
  tar -xf "$TARBALL" -C "$WORK/linux-extract"
  mv "$WORK"/linux-extract/linux-source-* "$WORK/linux"
  rmdir "$WORK/linux-extract"
fi
KSRC=$WORK/linux

step 2 "configuring kernel (tinyconfig + sandbox-vm/kernel.config)"
make -s -C "$KSRC" tinyconfig >/dev/null
"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KSRC" "$KSRC/.config" "$HERE/kernel.config" >/dev/null
make -s -C "$KSRC" olddefconfig
# olddefconfig silently drops options whose dependencies are missing; fail loudly instead.
missing=0
while IFS= read -r line; do
  case "$line" in CONFIG_*=*) grep -qx "$line" "$KSRC/.config" || { echo "kernel option not set after olddefconfig: $line" >&2; missing=1; } ;; esac
done < "$HERE/kernel.config"
[ "$missing" = 0 ] || exit 3

step 3 "building kernel bzImage with $JOBS jobs (the long step, ~6 min on 2 cores)"
make -C "$KSRC" -j"$JOBS" bzImage 2>&1 | tee "$WORK/kernel-build.log" \
  | awk '/^  CC /{ if (++n % 100 == 0) { print "@@PROGRESS kernel: " n " of ~1170 files compiled"; fflush() } }
         /^  (LD|BTF) |[Ee]rror|Kernel: /{ print; fflush() }' || true
[ -f "$KSRC/arch/x86/boot/bzImage" ] && [ -f "$KSRC/vmlinux" ] || { tail -40 "$WORK/kernel-build.log" >&2; echo "kernel build failed (log above)" >&2; exit 4; }
KREL=$(make -s -C "$KSRC" kernelrelease)

step 4 "building libbpf, bpftool and vmlinux.h from tools/sched_ext"
SCX_OUT=$WORK/scx
mkdir -p "$SCX_OUT"
make -C "$KSRC/tools/sched_ext" -j"$JOBS" O="$SCX_OUT" VMLINUX_BTF="$KSRC/vmlinux" \
  CLANG="$CLANG" LLVM_STRIP="$LLVM_STRIP" HOSTCC=gcc scx_simple >"$WORK/scx-build.log" 2>&1 \
  || { tail -40 "$WORK/scx-build.log" >&2; exit 5; }
SCX_BUILD=$SCX_OUT/build
# The loader hard-codes SCX_OPS_SWITCH_PARTIAL (userspace cannot include vmlinux.h); check it still matches.
grep -q 'SCX_OPS_SWITCH_PARTIAL = 8,' "$SCX_BUILD/include/vmlinux.h" || { echo "SCX_OPS_SWITCH_PARTIAL changed: update loader/bpf_policy.c" >&2; exit 5; }

step 5 "compiling the static guest loader, probe and node agent"
LIBBPF_A=$SCX_BUILD/obj/libbpf/libbpf.a
gcc -static -O2 -Wall -Wextra -Wno-unused-parameter -I"$SCX_BUILD/include" \
  -o "$WORK/schedcp-loader" "$HERE"/loader/loader.c "$HERE"/loader/bpf_policy.c "$HERE"/loader/json.c \
  "$HERE"/loader/sysfs.c "$HERE"/loader/workload.c \
  "$LIBBPF_A" -lelf -lz
gcc -static -O2 -Wall -Wextra -pthread -o "$WORK/schedcp-probe" "$HERE/loader/probe.c"
# The node agent shares the loader's policy, JSON and sysfs code.
gcc -static -O2 -Wall -Wextra -Wno-unused-parameter -Wno-format-truncation -I"$SCX_BUILD/include" \
  -o "$WORK/schedcp-node" "$HERE"/loader/node.c "$HERE"/loader/node_sched.c "$HERE"/loader/node_load.c \
  "$HERE"/loader/node_util.c "$HERE"/loader/jparse.c "$HERE"/loader/bpf_policy.c "$HERE"/loader/json.c \
  "$HERE"/loader/sysfs.c "$LIBBPF_A" -lelf -lz
strip "$WORK/schedcp-loader" "$WORK/schedcp-probe" "$WORK/schedcp-node"

step 6 "assembling the base initramfs and the stress-ng add-on"
gcc -O2 -o "$WORK/gen_init_cpio" "$KSRC/usr/gen_init_cpio.c"
declare -A SHIPPED=()
# cpio list lines for a dynamically linked binary and the libraries ldd resolves on the host,
# skipping libraries an earlier archive already ships; parent directories come first.
binary_entries() {
  local bin=$1 lib files=()
  files+=("file /usr/bin/$(basename "$bin") $bin 0755 0 0")
  for lib in $(ldd "$bin" | grep -oE '/[^ ]+\.so[^ ]*'); do
    [ -n "${SHIPPED[$lib]:-}" ] && continue
    SHIPPED[$lib]=1
    files+=("file $lib $(readlink -f "$lib") 0755 0 0")
  done
  printf '%s\n' "${files[@]}" | awk '{print $2}' | xargs -n1 dirname | sort -u | while read -r d; do
    p=""; IFS=/; for part in ${d#/}; do p="$p/$part"; echo "dir $p 0755 0 0"; done; unset IFS
  done | awk '!seen[$0]++'
  printf '%s\n' "${files[@]}"
}
{
  for d in /bin /sbin /dev /proc /sys /tmp /run /usr /usr/bin /etc /schedcp; do echo "dir $d 0755 0 0"; done
  echo "nod /dev/console 0600 0 0 c 5 1"
  echo "nod /dev/null 0666 0 0 c 1 3"
  echo "file /init $HERE/init 0755 0 0"
  echo "file /bin/busybox $(command -v busybox) 0755 0 0"
  echo "slink /bin/sh busybox 0777 0 0"
  echo "file /bin/schedcp-loader $WORK/schedcp-loader 0755 0 0"
  echo "file /bin/schedcp-probe $WORK/schedcp-probe 0755 0 0"
  echo "file /bin/schedcp-node $WORK/schedcp-node 0755 0 0"
  binary_entries "$(command -v hackbench)"
} | awk '!seen[$0]++' > "$WORK/initramfs.list"
"$WORK/gen_init_cpio" "$WORK/initramfs.list" > "$WORK/initramfs.cpio"
# stress-ng and its ~30 MB of libraries are appended only to runs that use it: unpacking them
# costs ~0.7 s of boot under TCG.
binary_entries "$(command -v stress-ng)" > "$WORK/stress-ng.list"
"$WORK/gen_init_cpio" "$WORK/stress-ng.list" > "$WORK/stress-ng.cpio"

step 7 "collecting kit files into $OUT"
rm -rf "$OUT/include" "$OUT/bin" "$OUT/examples"
mkdir -p "$OUT/include" "$OUT/bin" "$OUT/examples"
cp "$KSRC/arch/x86/boot/bzImage" "$OUT/bzImage"
cp "$KSRC/.config" "$OUT/kernel.config"
cp -r "$KSRC/tools/sched_ext/include/scx" "$KSRC/tools/sched_ext/include/bpf-compat" "$OUT/include/"
cp -r "$SCX_BUILD/include/bpf" "$OUT/include/"
cp "$SCX_BUILD/include/vmlinux.h" "$OUT/include/vmlinux.h"
cp "$WORK/schedcp-loader" "$WORK/schedcp-probe" "$WORK/schedcp-node" "$OUT/bin/"
cp "$SCX_BUILD/sbin/bpftool" "$OUT/bin/bpftool"
cp "$SCX_BUILD/obj/sched_ext/scx_simple.bpf.o" "$OUT/examples/scx_simple.bpf.o"
cp "$WORK/initramfs.cpio" "$WORK/stress-ng.cpio" "$OUT/"
{
  echo "kernel_release=$KREL"
  echo "libbpf_version=$(grep -oE 'LIBBPF_[0-9]+\.[0-9]+\.[0-9]+' "$KSRC/tools/lib/bpf/libbpf.map" | sort -V | tail -1 | sed 's/LIBBPF_//')"
  echo "bpftool_version=$("$OUT/bin/bpftool" version | head -1 | awk '{print $NF}')"
  echo "clang_version=$("$CLANG" --version | head -1)"
  echo "gcc_version=$(gcc -dumpfullversion)"
} > "$OUT/build-info.env"
echo "@@DONE $OUT"
