#!/usr/bin/env bash
# Fetch Debian's stock kernel package for the QEMU guest without installing
# it, unpack the modules, and extract the uncompressed vmlinux (booted
# directly by QEMU with qboot). Usage: prepare-guest-kernel.sh CACHE_DIR
# Prints the kernel version. Reuses CACHE_DIR/<version>/ when present.
set -euo pipefail
cache=$1
mkdir -p "$cache"
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
  echo "prepare-guest-kernel: apt-cache knows no linux-image-amd64 (run apt-get update)" >&2
  exit 1
fi
kv=${pkg#linux-image-}
out="$cache/$kv"
if [ -s "$out/vmlinux" ] && [ -d "$out/root/lib/modules/$kv" ]; then
  echo "$kv"
  exit 0
fi
rm -rf "$out" && mkdir -p "$out/root"
(cd "$out" && apt-get download "$pkg" >/dev/null)
dpkg-deb -x "$out"/"${pkg}"_*.deb "$out/root"
rm -f "$out"/*.deb
depmod -b "$out/root" "$kv"
python3 - "$out/root/boot/vmlinuz-$kv" "$out/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
i = data.find(b"\xfd7zXZ\x00")  # Debian amd64 kernels are XZ-compressed
if i < 0:
    sys.exit("no XZ stream in the kernel image")
open(sys.argv[2], "wb").write(lzma.LZMADecompressor().decompress(data[i:]))
PY
# Only the modules the guest needs are kept (the rest is ~400 MB).
keep=$(mktemp)
for m in xhci_pci xhci_hcd usbhid hid_generic hid ftdi_sio usbserial evdev; do
  modprobe -d "$out/root" -S "$kv" --show-depends "$m" 2>/dev/null | awk '/^insmod/{print $2}'
done | awk '!seen[$0]++' > "$keep"
find "$out/root/lib/modules/$kv/kernel" -name '*.ko*' | grep -vxF -f "$keep" | xargs rm -f
rm -rf "$out/root/boot" "$out/root/usr"
cp "$keep" "$out/modules.list"
rm -f "$keep"
echo "$kv"
