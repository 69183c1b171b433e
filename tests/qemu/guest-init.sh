#!/bin/sh
# /init of the QEMU guest: load the USB and serial drivers, wait for the
# emulated devices, run the real lotstation daemon; power off when it ends.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "T_init $(cut -d' ' -f1 /proc/uptime)"
for m in $(cat /modules.order); do insmod "/lib/modules/$m" 2>/dev/null; done
i=0
while { [ ! -e /sys/bus/usb/devices/1-1 ] || [ ! -e /dev/ttyUSB0 ]; } && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
echo "T_devices $(cut -d' ' -f1 /proc/uptime)"
ls /dev/ttyUSB* /dev/bus/usb/*/* 2>&1 | tr '\n' ' '; echo
# What `lotstation devices` lists here (checked by usb_scanners.py).
/bin/lotstation devices
echo GUEST_READY
/bin/lotstation run --config /etc/lotstation.toml
echo "LOTSTATION_EXIT $?"
poweroff -f
