#!/usr/bin/env python3
"""Build the serial scanner captures in hardware-fixtures/serial-*/.

Not captured from devices: each stream is what a scanner in the named mode
puts on the wire, timed the way its transport delivers it to the host:

- USB-CDC (ACM) scanners send bulk-IN packets of at most 64 bytes (USB 2.0
  full speed, CDC 1.2 PSTN subclass), at most one per 1 ms frame.
- An RS-232 scanner at 9600 baud, 8N1, sends 960 bytes/s (10 bits a byte).
  Behind an FTDI FT232R the host gets a packet when the chip's 62-byte
  buffer fills or its latency timer (16 ms by default, FTDI AN232B-04)
  expires; behind a Prolific PL2303 the bytes arrive about as they come.
- Prefix, suffix and AIM identifier options as the vendors' programming
  guides describe them (AIM ISO/IEC 15424 symbology identifiers `]C1`,
  `]d2`, ...; STX prefix; CR, LF, CRLF or TAB suffix; no suffix).

Run from the repository root: python3 hardware-fixtures/tools/make_serial_fixtures.py
It rewrites stream.serial and expected.jsonl of each folder; the READMEs
and device.toml files are written by hand.
"""

import json
import os

GS = "\x1d"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

LABEL_128 = "]C10109506000134352172612311012345A" + GS + "21S0001"
LABEL_DM = ("]d2010950600013437617280630102803" + GS + "3103010000" + GS
            + "21SN-0001-0002-0003-0004" + GS + "91INTERNAL-ROUTING-XYZ")
BADGE = "]C0OP-ANNA"
WORK_ORDER = "]C0WO-1001"
COMMAND = "]C0CMD:ISSUE"


def no_aim(s):
    return s[3:] if s.startswith("]") else s


def cdc(scans, gap_ms=1500, start_ms=200):
    """USB-CDC: 64-byte packets, one per 1 ms frame; scans gap_ms apart."""
    chunks, t = [], start_ms
    for s in scans:
        b = s.encode("latin-1")
        for i in range(0, len(b), 64):
            chunks.append((t, b[i:i + 64]))
            t += 1
        t += gap_ms
    return chunks


def ftdi(scans, baud=9600, gap_ms=1500, start_ms=200, latency_ms=16):
    """RS-232 at `baud` behind an FTDI: flushed every latency_ms or at 62 bytes."""
    chunks, t = [], float(start_ms)
    per_byte = 10_000 / baud  # ms per byte at 8N1
    for s in scans:
        b = s.encode("latin-1")
        buf, first = b"", t
        for i, byte in enumerate(b):
            arrive = t + (i + 1) * per_byte
            if buf and (arrive - first >= latency_ms or len(buf) == 62):
                chunks.append((int(first + latency_ms), buf))
                buf, first = b"", arrive
            if not buf:
                first = arrive
            buf += bytes([byte])
        chunks.append((int(first + latency_ms), buf))
        t += len(b) * per_byte + gap_ms
    return sorted(chunks, key=lambda c: c[0])


def pl2303(scans, baud=9600, gap_ms=1500, start_ms=200, chunk=4):
    """RS-232 at `baud` behind a PL2303: small reads as bytes come in."""
    chunks, t = [], float(start_ms)
    per_byte = 10_000 / baud
    for s in scans:
        b = s.encode("latin-1")
        for i in range(0, len(b), chunk):
            piece = b[i:i + chunk]
            chunks.append((int(t + (i + len(piece)) * per_byte), piece))
        t += len(b) * per_byte + gap_ms
    return chunks


def write(folder, header, chunks, expected):
    d = os.path.join(ROOT, folder)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "stream.serial"), "w") as f:
        f.write("".join(f"# {h}\n" for h in header))
        last = 0
        for at, b in chunks:
            assert at >= last, (folder, at, last)
            last = at
            f.write(f"{at} {b.hex()}\n")
    with open(os.path.join(d, "expected.jsonl"), "w") as f:
        for e in expected:
            f.write(json.dumps(e) + "\n")


def main():
    scans = [BADGE, COMMAND, WORK_ORDER, LABEL_128, LABEL_DM]
    write("serial-cdc-cr-aim",
          ["USB-CDC scanner, suffix CR, AIM identifiers on; 64-byte packets 1 ms apart",
           "at_ms hex (bytes as read from /dev/ttyACM0)"],
          cdc([s + "\r" for s in scans]),
          [{"scan": s} for s in scans])

    plain = [no_aim(s) for s in scans]
    # 63 bytes + CR fill one packet exactly: the LF comes in the next one.
    filler = "0109506000134352" + "10" + "L" * 45
    assert len(filler) + 1 == 64
    plain.append(filler)
    write("serial-cdc-crlf",
          ["USB-CDC scanner, suffix CRLF, AIM identifiers off; the last scan's LF",
           "arrives in a packet of its own",
           "at_ms hex (bytes as read from /dev/ttyACM0)"],
          cdc([s + "\r\n" for s in plain]),
          [{"scan": s} for s in plain])

    stx = [BADGE, WORK_ORDER, LABEL_128, "0109506000134352"]
    chunks = [(100, b"\x00")]  # a NUL as the scanner powers up
    chunks += ftdi(["\x02" + s + "\n" for s in stx])
    write("serial-rs232-ftdi-stx-lf-aim",
          ["RS-232 scanner at 9600 8N1 behind an FTDI FT232R (16 ms latency timer),",
           "prefix STX, suffix LF, AIM identifiers on; a NUL at power-up; the last",
           "scan was sent with AIM identifiers off (a scanner reset to defaults)",
           "at_ms hex (bytes as read from /dev/ttyUSB0)"],
          chunks,
          [{"dropped": "noise"}, {"scan": BADGE}, {"scan": WORK_ORDER},
           {"scan": LABEL_128}, {"dropped": "missing_aim"}])

    # A wrong-baud burst first: 200 bytes of noise without a TAB.
    noise = bytes((i * 37 + 11) % 256 for i in range(200)).replace(b"\t", b"\x7f")
    tab = [BADGE, LABEL_128, WORK_ORDER]
    chunks = [(50 + i, noise[i * 50:(i + 1) * 50]) for i in range(4)]
    chunks.append((60, b"\t"))
    chunks += pl2303([s + "\t" for s in tab])
    write("serial-rs232-pl2303-tab-aim",
          ["RS-232 scanner at 9600 8N1 behind a Prolific PL2303, suffix TAB, AIM on;",
           "first 200 bytes of noise (scanner at another baud rate) and a TAB",
           "at_ms hex (bytes as read from /dev/ttyUSB0)"],
          chunks,
          [{"dropped": "too_long"}] + [{"scan": s} for s in tab])

    none = [BADGE, LABEL_DM, WORK_ORDER, LABEL_128]
    write("serial-cdc-none-aim",
          ["USB-CDC scanner, no suffix, AIM identifiers on: a pause ends a scan",
           "at_ms hex (bytes as read from /dev/ttyACM0)"],
          cdc(none, gap_ms=800),
          [{"scan": s} for s in none])


if __name__ == "__main__":
    main()
