#!/usr/bin/env python3
"""Writes the USB HID fixtures under hardware-fixtures/ (keyboard-wedge and
HID-POS report sequences).

Not captured from a device: the reports are built from the public
specifications (USB HID Usage Tables, keyboard page 0x07 and the boot
keyboard report of the HID 1.11 specification, appendix B; USB HID Point of
Sale Usage Tables, bar code scanner page 0x8C) and from what scanner vendors'
programming guides describe for keyboard-wedge and HID-POS modes. The
character-to-key tables below are written out by hand from the US and German
keyboard layouts, independently of lotstation's own tables, so the fixtures
check lotstation's decoder rather than mirror it.

Run from the repository root: python3 hardware-fixtures/tools/make_hid_fixtures.py
"""
import json
import os

LCTRL, LSHIFT, LALT, RALT = 0x01, 0x02, 0x04, 0x40
GS, RS, EOT = "\x1d", "\x1e", "\x04"


def letters(swap=None):
    t = {}
    for i, c in enumerate("abcdefghijklmnopqrstuvwxyz"):
        u = 0x04 + i
        t[c] = (0, u)
        t[c.upper()] = (LSHIFT, u)
    for a, b in (swap or {}).items():
        ua, ub = t[a][1], t[b][1]
        t[a], t[b] = (0, ub), (0, ua)
        t[a.upper()], t[b.upper()] = (LSHIFT, ub), (LSHIFT, ua)
    return t


# US layout (HID usage names give the US legends).
US = letters()
for i, (plain, shifted) in enumerate(zip("1234567890", "!@#$%^&*()")):
    US[plain] = (0, 0x1E + i)
    US[shifted] = (LSHIFT, 0x1E + i)
for u, plain, shifted in [
    (0x2C, " ", None), (0x2D, "-", "_"), (0x2E, "=", "+"), (0x2F, "[", "{"),
    (0x30, "]", "}"), (0x31, "\\", "|"), (0x33, ";", ":"), (0x34, "'", '"'),
    (0x35, "`", "~"), (0x36, ",", "<"), (0x37, ".", ">"), (0x38, "/", "?"),
]:
    US[plain] = (0, u)
    if shifted:
        US[shifted] = (LSHIFT, u)

# German layout (QWERTZ): Y and Z swapped, digits row and punctuation moved.
DE = letters({"y": "z"})
for i, (plain, shifted) in enumerate(zip("1234567890", '!"§$%&/()=')):
    DE[plain] = (0, 0x1E + i)
    DE[shifted] = (LSHIFT, 0x1E + i)
for u, plain, shifted in [
    (0x2C, " ", None), (0x2D, "ß", "?"), (0x30, "+", "*"), (0x32, "#", "'"),
    (0x36, ",", ";"), (0x37, ".", ":"), (0x38, "-", "_"), (0x64, "<", ">"),
]:
    DE[plain] = (0, u)
    if shifted:
        DE[shifted] = (LSHIFT, u)
DE["@"] = (RALT, 0x14)  # AltGr+Q
DE["["], DE["]"], DE["\\"] = (RALT, 0x25), (RALT, 0x26), (RALT, 0x2D)  # AltGr+8, 9, ß

# How each scanner configuration sends the control characters.
CTRL = {GS: (LCTRL, 0x30), RS: (LCTRL | LSHIFT, 0x23), EOT: (LCTRL, 0x07)}


def report(mods, *keys):
    k = list(keys) + [0] * (6 - len(keys))
    return bytes([mods, 0] + k)


class Capture:
    def __init__(self):
        self.t = 0
        self.lines = []

    def send(self, rep, gap_ms):
        self.t += gap_ms
        self.lines.append(f"{self.t} {rep.hex()}")

    def comment(self, text):
        self.lines.append(f"# {text}")


def type_scan(cap, table, text, gap=2, alt_numpad_gs=False):
    """Press and release each key; 2 ms between reports, like a scanner's
    fastest keyboard-wedge setting."""
    for c in text:
        if c == GS and alt_numpad_gs:
            cap.send(report(LALT), gap)
            for kp in (0x62, 0x5A, 0x61):  # keypad 0, 2, 9
                cap.send(report(LALT, kp), gap)
                cap.send(report(LALT), gap)
            cap.send(report(0), gap)
            continue
        mods, usage = CTRL.get(c) or table[c]
        cap.send(report(mods, usage), gap)
        cap.send(report(0), gap)
    cap.send(report(0, 0x28), gap)  # Enter suffix
    cap.send(report(0), gap)


def write(folder, cap, scans):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "reports.hid"), "w") as f:
        f.write("# at_ms report_hex (one input report per line; see ../README.md)\n")
        f.write("\n".join(cap.lines) + "\n")
    with open(os.path.join(folder, "expected.jsonl"), "w") as f:
        for s in scans:
            f.write(json.dumps({"scan": s}) + "\n")


def keyboard_us():
    cap = Capture()
    scans = [
        "]C10109506000134352172612311012345A" + GS + "21S0001",
        "]d2010950600013435210LOT-7/B" + GS + "3103000450",
        ']C0BADGE"OP@17"',
        "]C10109506000134352" + "10ALTNUM" + GS + "21X9",
    ]
    cap.comment("GS1-128, GS sent as Ctrl+]")
    type_scan(cap, US, scans[0])
    cap.comment("GS1 DataMatrix 1 s later, GS as Ctrl+]")
    cap.t += 1000
    type_scan(cap, US, scans[1])
    cap.comment("Code 128 badge with the characters US and UK layouts swap")
    cap.t += 800
    type_scan(cap, US, scans[2])
    cap.comment("GS sent as Alt+numpad 0 2 9 (scanner setting for hosts without Ctrl mapping)")
    cap.t += 900
    type_scan(cap, US, scans[3], alt_numpad_gs=True)
    cap.comment("a fast scanner pressing the next key before releasing the last (rollover): 'ab' then Enter")
    cap.t += 700
    cap.send(report(0, 0x04), 2)
    cap.send(report(0, 0x04, 0x05), 1)
    cap.send(report(0, 0x05), 1)
    cap.send(report(0), 1)
    cap.send(report(0, 0x28), 1)
    cap.send(report(0), 1)
    scans.append("ab")
    write("hardware-fixtures/hid-keyboard-us-enter-aim", cap, scans)


def keyboard_de():
    cap = Capture()
    scans = [
        "]C10109506000134352172612311012345A" + GS + "21S0001",
        "]C10104012345678901" + "10ZY-Lot" + GS + "21xyz",
        "]C0ORDER#4711;\"Q@\"",
        "]C0" + "DATA" + RS + "06" + GS + "1PX" + RS + EOT,
    ]
    cap.comment("GS1-128 typed with the German layout, GS as Ctrl+] (the key at the US ] position)")
    type_scan(cap, DE, scans[0])
    cap.t += 1000
    cap.comment("Y and Z swap places on QWERTZ")
    type_scan(cap, DE, scans[1])
    cap.t += 1000
    cap.comment("quote and at sign: Shift+2 and AltGr+Q on a German host")
    type_scan(cap, DE, scans[2])
    cap.t += 1000
    cap.comment("RS as Ctrl+Shift+6 and EOT as Ctrl+D (ISO/IEC 15434 envelope characters)")
    type_scan(cap, DE, scans[3])
    write("hardware-fixtures/hid-keyboard-de-enter-aim", cap, scans)


def pos_reports(rid, aim, data, size=64):
    room = size - 6  # id, length, 3 symbology bytes ... continuation flag
    parts = [data[i:i + room] for i in range(0, len(data), room)] or [b""]
    out = []
    for i, p in enumerate(parts):
        r = bytes([rid, len(p)]) + aim + p
        r += bytes(size - 1 - len(r)) + bytes([1 if i < len(parts) - 1 else 0])
        out.append(r)
    return out


def hid_pos():
    cap = Capture()
    short = "0109506000134352" + "17261231" + "10ABC123" + GS + "21S0001"
    long_ = ("0109506000134352" + "17261231" + "10LOT-2026-0847-A" + GS + "21SER0000000000000001"
             + GS + "2409876543210" + GS + "91" + "X" * 40 + GS + "92" + "Y" * 40)
    scans = ["]d2" + short, "]d2" + long_, "]C1" + "00095060001343520017", "ITEM-42"]
    cap.comment("GS1 DataMatrix in one 64-byte scanned-data report (report id 2, AIM ]d2)")
    for r in pos_reports(2, b"]d2", short.encode()):
        cap.send(r, 0)
    cap.t += 1200
    cap.comment(f"GS1 DataMatrix of {len(long_)} bytes split over three reports (continuation flag set on the first two)")
    for r in pos_reports(2, b"]d2", long_.encode()):
        cap.send(r, 4)
    cap.t += 1000
    cap.comment("a vendor status report (id 4) between scans: not scanned data, ignored")
    cap.send(bytes([4, 1, 0, 0, 0, 1]) + bytes(58), 0)
    cap.t += 200
    cap.comment("SSCC on a pallet label, GS1-128 (AIM ]C1)")
    for r in pos_reports(2, b"]C1", b"00095060001343520017"):
        cap.send(r, 0)
    cap.t += 900
    cap.comment("symbology identifier transmission off: three zero bytes, data as is")
    for r in pos_reports(2, bytes(3), b"ITEM-42"):
        cap.send(r, 0)
    write("hardware-fixtures/hid-pos-64byte-aim", cap, scans)


keyboard_us()
keyboard_de()
hid_pos()
