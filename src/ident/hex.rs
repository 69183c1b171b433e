//! Hex text of bytes, as EPCs, LLRP frames, traces and digests are written:
//! one encoder (lower case) and one tolerant decoder. Pure.

/// Lower-case hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 0x0f), 16).unwrap_or('0'));
    }
    s
}

/// Bytes of hex `text` (either case), ignoring ASCII whitespace. `None` if
/// a character is not a hex digit or the count of digits is odd.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for c in text.bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        match high.take() {
            None => high = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
    }
    if high.is_some() { None } else { Some(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_through_hex_and_bad_text_is_refused() {
        assert_eq!(encode(&[0x0a, 0xff]), "0aff");
        assert_eq!(encode(&[]), "");
        assert_eq!(decode("0A ff\n10"), Some(vec![0x0a, 0xff, 0x10]));
        assert_eq!(decode("abc"), None);
        assert_eq!(decode("zz"), None);
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)), Some(all));
    }
}
