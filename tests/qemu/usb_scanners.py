#!/usr/bin/env python3
"""Emulated-USB test tier: boots a small Linux guest in QEMU (TCG) with an
emulated USB keyboard (usb-kbd, 0627:0001) and an FTDI USB-serial adapter
(usb-serial, 0403:6001), runs the real lotstation binary inside, and checks
that it:

  1. claims the keyboard through libusb (kernel driver detached) and turns a
     GS1 scan typed into it (GS as Ctrl+]) into a verdict;
  2. reads a scan sent to the emulated serial device (when this build has
     the serial source);
  3. survives device_del/device_add of the keyboard (and of the serial
     adapter): reports the loss, reclaims the new device, reads again.

Usage: usb_scanners.py --kernel VMLINUX --initrd INITRD.gz --workdir DIR [--serial]
Prints one line per check and a closing 'N passed, N failed' line; exits 1
on any failure. Standard library only.
"""
import argparse
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time

T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


class Guest:
    def __init__(self, args):
        self.dir = args.workdir
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.ser_path = os.path.join(self.dir, "ser0.sock")
        for p in (self.qmp_path, self.ser_path):
            if os.path.exists(p):
                os.unlink(p)
        cmd = [
            "qemu-system-x86_64", "-accel", "tcg", "-smp", "1", "-m", "512",
            "-nographic", "-no-reboot", "-nic", "none",
            "-bios", "/usr/share/qemu/qboot.rom",
            "-kernel", args.kernel, "-initrd", args.initrd,
            "-append", "console=ttyS0 quiet panic=-1",
            "-device", "qemu-xhci,id=xhci",
            "-device", "usb-kbd,id=kbd,bus=xhci.0",
            "-chardev", f"socket,id=ser0,path={self.ser_path},server=on,wait=off",
            "-device", "usb-serial,id=userial,bus=xhci.0,chardev=ser0,serial=FT0042",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
        ]
        self.console_log = open(os.path.join(self.dir, "console.log"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.seen = []
        self.cursor = 0
        threading.Thread(target=self._read_console, daemon=True).start()
        self.qmp = self._connect(self.qmp_path)
        self.qmp_buf = b""
        self.events = []
        self._qmp_read()  # greeting
        self.command("qmp_capabilities")
        # Connecting the chardev socket plugs the usb-serial in.
        self.ser = self._connect(self.ser_path)

    def _connect(self, path):
        deadline = time.monotonic() + 30
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                return s
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"QEMU did not open {path}")
                time.sleep(0.05)

    def _read_console(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.console_log.write(line + "\n")
            self.console_log.flush()
            self.lines.put(line)
        self.lines.put(None)

    def mark(self):
        """Where the next expect() starts looking: lines printed from now on."""
        return len(self.seen)

    def expect(self, pattern, timeout, what, since=None):
        """Wait for a console line matching `pattern`, printed at or after
        line `since` (default: after the previous match); returns it."""
        rx = re.compile(pattern)
        start = self.cursor if since is None else since
        for i in range(start, len(self.seen)):
            if rx.search(self.seen[i]):
                self.cursor = i + 1
                return self.seen[i]
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what} ({pattern})")
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the guest stopped while waiting for {what}")
            self.seen.append(line)
            if rx.search(line):
                self.cursor = len(self.seen)
                return line

    def _qmp_read(self):
        while b"\n" not in self.qmp_buf:
            chunk = self.qmp.recv(65536)
            if not chunk:
                raise RuntimeError("QMP closed")
            self.qmp_buf += chunk
        line, self.qmp_buf = self.qmp_buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.qmp.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._qmp_read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise AssertionError(f"QMP {name}: {r['error']}")
            return r.get("return")

    def wait_event(self, name, timeout=30):
        deadline = time.monotonic() + timeout
        self.qmp.settimeout(1.0)
        try:
            while time.monotonic() < deadline:
                for i, e in enumerate(self.events):
                    if e["event"] == name:
                        return self.events.pop(i)
                try:
                    self.events.append(self._qmp_read())
                except socket.timeout:
                    pass
        finally:
            self.qmp.settimeout(None)
        raise AssertionError(f"no QMP event {name} within {timeout}s")

    # qcodes for what a US-layout scanner types.
    KEYS = {c: c for c in "abcdefghijklmnopqrstuvwxyz0123456789"}
    KEYS.update({"-": "minus", ".": "dot", "/": "slash", "]": "bracket_right", " ": "spc"})
    SHIFTED = {"_": "minus", ">": "dot", "?": "slash"}

    def type_scan(self, text):
        """Type `text` then Enter, one character per QMP call (QEMU's HID
        queue holds 16 events); GS is Ctrl+]."""
        for ch in text + "\r":
            mods = []
            if ch == "\x1d":
                mods, key = ["ctrl"], "bracket_right"
            elif ch == "\r":
                key = "ret"
            elif ch.isupper():
                mods, key = ["shift"], ch.lower()
            elif ch in self.SHIFTED:
                mods, key = ["shift"], self.SHIFTED[ch]
            else:
                key = self.KEYS[ch]
            ev = lambda k, down: {"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": k}}}
            events = [ev(m, True) for m in mods] + [ev(key, True), ev(key, False)] + [ev(m, False) for m in mods]
            self.command("input-send-event", events=events)
            time.sleep(0.03)

    def close(self):
        try:
            self.command("quit")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


KBD_SCAN = "]C10109506000134376172812311028-0912\x1d3103020000"
KBD_SCAN_2 = "]C10109506000134352172612311024-0912"
SER_SCAN = b"]C10109506000134376172812311028-0301\r"
SER_SCAN_2 = b"]C10109506000134352172612311024-0912\r"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--serial", action="store_true", help="the guest config has a serial source")
    args = ap.parse_args()
    passed, failed = [], []

    def check(name, fn):
        t = time.monotonic()
        try:
            fn()
            passed.append(name)
            log(f"ok    {name} ({time.monotonic() - t:.1f}s)")
        except Exception as e:  # report every check, then fail at the end
            failed.append(name)
            log(f"FAIL  {name}: {e}")

    g = Guest(args)
    try:
        def listing():
            g.expect(r"usb_hid\s+/dev/bus/usb/\d{3}/\d{3}\s+0627:0001", 180, "the usb-kbd in `lotstation devices`", 0)
            g.expect(r'config:\s+kind = "usb_hid", device = "usb:0627:0001.*", mode = "keyboard"', 10, "its usb_hid settings")
            if args.serial:
                g.expect(r"serial\s+/dev/ttyUSB0\s", 10, "the FTDI adapter in `lotstation devices`", 0)

        def boot():
            g.expect(r"GUEST_READY", 180, "the guest's devices")
            g.expect(r"device connected.*usb:0627:0001", 120, "lotstation claiming the USB keyboard", 0)

        def keyboard_scan():
            since = g.mark()
            g.type_scan(KBD_SCAN)
            g.expect(r"28-0912", 120, "the verdict for the typed scan", since)

        def serial_scan():
            g.expect(r"device connected.*ttyUSB0", 60, "lotstation opening /dev/ttyUSB0", 0)
            since = g.mark()
            g.ser.sendall(SER_SCAN)
            g.expect(r"28-0301", 60, "the verdict for the serial scan", since)

        def keyboard_replug():
            g.command("device_del", id="kbd")
            g.wait_event("DEVICE_DELETED")
            g.expect(r"USB HID scanner lost|device disconnected.*wedge", 60, "the unplug being noticed")
            g.command("device_add", driver="usb-kbd", id="kbd", bus="xhci.0")
            g.expect(r"device connected.*usb:0627:0001", 90, "the keyboard reclaimed after replug")
            since = g.mark()
            g.type_scan(KBD_SCAN_2)
            g.expect(r"24-0912", 120, "a verdict after the replug", since)

        def serial_replug():
            g.command("device_del", id="userial")
            g.wait_event("DEVICE_DELETED")
            g.expect(r"device disconnected.*serial|serial.*(lost|disconnected)", 60, "the serial unplug being noticed")
            g.command("device_add", driver="usb-serial", id="userial", bus="xhci.0", chardev="ser0", serial="FT0042")
            g.expect(r"device connected.*ttyUSB", 90, "the serial adapter reopened")
            since = g.mark()
            g.ser.sendall(SER_SCAN_2)
            g.expect(r"24-0912", 60, "a serial verdict after the replug", since)

        check("devices: lotstation devices lists the usb-kbd (usb_hid, keyboard) and the FTDI adapter", listing)
        check("boot: guest up, lotstation claims the usb-kbd through libusb", boot)
        if passed:
            check("usb-kbd: typed GS1 scan (GS as Ctrl+]) becomes a verdict", keyboard_scan)
            if args.serial:
                check("usb-serial: scan sent to the FTDI device becomes a verdict", serial_scan)
            check("usb-kbd: device_del/device_add, reclaimed and read again", keyboard_replug)
            if args.serial:
                check("usb-serial: device_del/device_add, reopened and read again", serial_replug)
    finally:
        g.close()
        log(f"console log: {os.path.join(args.workdir, 'console.log')}")
    if failed:
        print("---- last guest console lines ----")
        for line in g.seen[-40:]:
            print("  " + line)
    print(f"qemu usb tier: {len(passed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
