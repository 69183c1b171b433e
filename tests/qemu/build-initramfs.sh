#!/usr/bin/env bash
# Build the guest's initramfs: busybox, the USB/serial kernel modules, the
# lotstation binary with the shared libraries it links, its config and demo
# master data, and /init. Usage:
#   build-initramfs.sh KERNEL_DIR KV OUT.gz LOTSTATION_BIN GUEST_TOML MASTER_JSON
set -euo pipefail
kdir=$1 kv=$2 out=$3 bin=$4 toml=$5 master=$6
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,var/lotstation,lib/modules,lib64,usr/lib}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
# Modules in dependency order (prepare-guest-kernel.sh wrote the list).
: > "$root/modules.order"
while read -r ko; do
  cp "$ko" "$root/lib/modules/"
  basename "$ko" >> "$root/modules.order"
done < "$kdir/modules.list"
# The real lotstation binary (stripped) and the libraries it links.
strip -o "$root/bin/lotstation" "$bin" 2>/dev/null || cp "$bin" "$root/bin/lotstation"
for lib in $(ldd "$bin" | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
# The station's time zone comes from the system tz database.
mkdir -p "$root/usr/share/zoneinfo/Etc"
cp -L /usr/share/zoneinfo/UTC "$root/usr/share/zoneinfo/UTC"
cp -L /usr/share/zoneinfo/Etc/UTC "$root/usr/share/zoneinfo/Etc/UTC"
cp "$toml" "$root/etc/lotstation.toml"
cp "$master" "$root/etc/master.json"
cp "$here/guest-init.sh" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$out")
