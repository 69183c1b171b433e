#!/usr/bin/env bash
# The emulated-USB test tier (see ../../../shared/HARDWARE-TESTING.md §5-6 and
# README.md here): a QEMU (TCG) guest with an emulated USB keyboard and an
# FTDI USB-serial adapter runs the real lotstation binary. Usage:
#   tests/qemu/run.sh [LOTSTATION_BIN]     (default target/debug/lotstation)
# Needs qemu-system-x86, busybox-static, cpio, kmod and python3; .ci/run
# installs them. Without QEMU it says so loudly and exits 0, except under CI
# (CI=true), where a missing QEMU is a failure: CI must never skip this tier.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${1:-$repo/target/debug/lotstation}
target=${CARGO_TARGET_DIR:-$repo/target}

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86_64)
[ -e /usr/share/qemu/qboot.rom ] || missing+=(/usr/share/qemu/qboot.rom)
[ -x /bin/busybox ] || missing+=(busybox)
command -v cpio >/dev/null || missing+=(cpio)
command -v depmod >/dev/null || missing+=(kmod)
if [ ${#missing[@]} -gt 0 ]; then
  {
    echo "################################################################"
    echo "## QEMU USB TIER SKIPPED: missing ${missing[*]}"
    echo "## install: apt-get install qemu-system-x86 busybox-static cpio kmod"
    echo "## (the USB HID and USB-serial paths were NOT tested on this machine)"
    echo "################################################################"
  } >&2
  [ "${CI:-}" = true ] && exit 1
  exit 0
fi
[ -x "$bin" ] || { echo "no lotstation binary at $bin (cargo build first)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache="$target/qemu-cache"
kv=$("$here/prepare-guest-kernel.sh" "$cache" | tail -1)

# The guest's station: the emulated keyboard as a USB HID scanner, and the
# FTDI adapter as a serial scanner when this build has the serial source.
cat > "$work/guest.toml" <<TOML
[station]
id = "qemu-guest"
mode = "lookup"

[store]
path = "/var/lotstation/station.redb"
seed_files = ["/etc/master.json"]

[[sources]]
name = "wedge"
kind = "usb_hid"
device = "usb:0627:0001"
layout = "us"
TOML
serial_args=()
cat > "$work/serial.toml" <<TOML

[[sources]]
name = "serial"
kind = "serial"
device = "/dev/ttyUSB0"
baud = 9600
suffix = "cr"
TOML
cat "$work/guest.toml" "$work/serial.toml" > "$work/with-serial.toml"
if "$bin" check-config "$work/with-serial.toml" >/dev/null 2>&1; then
  cp "$work/with-serial.toml" "$work/guest.toml"
  serial_args=(--serial)
else
  echo "## QEMU USB tier: this build has no serial source; the usb-serial checks are left out" >&2
fi
printf '\n[log]\nlevel = "info"\nformat = "text"\n' >> "$work/guest.toml"
"$bin" check-config "$work/guest.toml" >/dev/null

"$here/build-initramfs.sh" "$cache/$kv" "$kv" "$work/initrd.gz" "$bin" "$work/guest.toml" \
  "$repo/config/demo-data/master.json"
echo "guest: kernel $kv, initramfs $(du -h "$work/initrd.gz" | cut -f1)"
rc=0
timeout 600 python3 "$here/usb_scanners.py" --kernel "$cache/$kv/vmlinux" --initrd "$work/initrd.gz" \
  --workdir "$work" "${serial_args[@]}" || rc=$?
if [ $rc -ne 0 ] && [ -f "$work/console.log" ]; then
  mkdir -p "$target/qemu-logs" && cp "$work/console.log" "$target/qemu-logs/console-$(date +%s).log"
fi
exit $rc
