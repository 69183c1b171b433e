//! Bit-level access to an EPC binary: a reader over the bytes a tag gave, a
//! writer for encoding, and the strict hex parser in front of both.
//!
//! Invariant: the reader never reads past the number of bits it was given and
//! never panics; a read that does not fit returns `None` and the caller turns
//! that into an error naming the field.

use crate::ident::error::{ErrorKind, IdentError};

/// Largest EPC accepted, in bytes. Gen2 EPC memory holds at most 31 words
/// (496 bits); 64 bytes leaves room for readers that report whole memory.
pub(crate) const MAX_EPC_BYTES: usize = 64;

/// Largest hex input accepted, in characters (two per byte).
pub const MAX_HEX_CHARS: usize = MAX_EPC_BYTES * 2;

/// Parse strict hex (digits and `a-f`/`A-F` only, an even count, at most
/// [`MAX_HEX_CHARS`]) into a fixed buffer. Returns the buffer and the byte count.
pub(crate) fn parse_hex(hex: &str) -> Result<([u8; MAX_EPC_BYTES], usize), IdentError> {
    let bytes = hex.as_bytes();
    if bytes.is_empty() {
        return Err(IdentError::new(ErrorKind::Empty, 0, "EPC hex is empty"));
    }
    if bytes.len() > MAX_HEX_CHARS {
        return Err(IdentError::new(
            ErrorKind::InputTooLong,
            MAX_HEX_CHARS,
            format!(
                "EPC hex is {} characters; at most {MAX_HEX_CHARS} are accepted ({MAX_EPC_BYTES} bytes)",
                bytes.len()
            ),
        ));
    }
    let mut out = [0u8; MAX_EPC_BYTES];
    for (i, (slot, pair)) in out.iter_mut().zip(bytes.chunks(2)).enumerate() {
        let hi = pair.first().copied().map(nibble).unwrap_or(None);
        let lo = pair.get(1).copied().map(nibble);
        match (hi, lo) {
            (Some(h), Some(Some(l))) => *slot = (h << 4) | l,
            (None, _) => return Err(bad_hex_char(bytes, i * 2)),
            (Some(_), Some(None)) => return Err(bad_hex_char(bytes, i * 2 + 1)),
            (Some(_), None) => {
                return Err(IdentError::new(
                    ErrorKind::BadHex,
                    bytes.len(),
                    format!(
                        "EPC hex has an odd number of digits ({}); each byte needs two",
                        bytes.len()
                    ),
                ));
            }
        }
    }
    Ok((out, bytes.len() / 2))
}

fn bad_hex_char(bytes: &[u8], at: usize) -> IdentError {
    let shown = bytes.get(at).copied().unwrap_or(b'?');
    let shown = if shown.is_ascii_graphic() {
        format!("'{}'", char::from(shown))
    } else {
        format!("byte 0x{shown:02X}")
    };
    IdentError::new(
        ErrorKind::BadHex,
        at,
        format!("EPC hex may hold only 0-9, a-f and A-F; found {shown}"),
    )
}

const fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Reads big-endian bit fields, most significant bit first, as the TDS lays them out.
#[derive(Debug, Clone)]
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Number of meaningful bits in `data` (the scheme's length, not the byte length).
    len: usize,
    /// Next bit to read.
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// A reader over the first `len` bits of `data` (clamped to what `data` holds).
    pub(crate) fn new(data: &'a [u8], len: usize) -> Self {
        BitReader {
            data,
            len: len.min(data.len().saturating_mul(8)),
            pos: 0,
        }
    }

    /// Bit position of the next read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Bits left to read.
    pub(crate) fn remaining(&self) -> usize {
        self.len - self.pos
    }

    /// Read `n` bits (at most 64) as an unsigned integer; `None` if fewer remain.
    pub(crate) fn read(&mut self, n: usize) -> Option<u64> {
        if n > 64 || n > self.remaining() {
            return None;
        }
        let mut value: u64 = 0;
        let mut need = n;
        let mut pos = self.pos;
        while need > 0 {
            let byte = *self.data.get(pos / 8)?;
            let avail = 8 - pos % 8;
            let take = avail.min(need);
            let bits = (byte >> (avail - take)) & ((1u16 << take) - 1) as u8;
            // `take` <= 8 and the total is <= 64, so nothing is shifted out.
            value = (value << take) | u64::from(bits);
            need -= take;
            pos += take;
        }
        self.pos = pos;
        Some(value)
    }

    /// True if every bit from the current position to the end is zero.
    pub(crate) fn rest_is_zero(&self) -> bool {
        let mut probe = self.clone();
        while probe.remaining() > 0 {
            let n = probe.remaining().min(64);
            if probe.read(n) != Some(0) {
                return false;
            }
        }
        true
    }
}

/// Appends bit fields, most significant bit first.
#[derive(Debug, Clone, Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    len: usize,
}

impl BitWriter {
    pub(crate) fn with_capacity_bits(bits: usize) -> Self {
        BitWriter {
            bytes: Vec::with_capacity(bits.div_ceil(8)),
            len: 0,
        }
    }

    /// Append `value` as an `n`-bit field (bits above 64 are zero).
    pub(crate) fn write(&mut self, value: u64, n: usize) {
        for i in (0..n).rev() {
            let bit = if i < 64 { ((value >> i) & 1) as u8 } else { 0 };
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if let Some(last) = self.bytes.last_mut() {
                *last |= bit << (7 - self.len % 8);
            }
            self.len += 1;
        }
    }

    /// Number of bits written.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bytes written, the last one zero-padded.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Upper-case hex of the bytes written.
    pub(crate) fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        let mut s = String::with_capacity(self.bytes.len() * 2);
        for &b in &self.bytes {
            for n in [b >> 4, b & 0xF] {
                if let Some(&d) = DIGITS.get(usize::from(n)) {
                    s.push(char::from(d));
                }
            }
        }
        s
    }
}
