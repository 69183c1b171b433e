//! GS1 check digits: the mod-10 check digit of numeric keys (GTIN, SSCC, GLN,
//! GSRN, ...) and the alphanumeric check-character pair of CSET 82 keys
//! (GMN, AI 8013; MUDI, AI 8014).
//!
//! Pure functions over ASCII digits. They never panic: a non-digit makes the
//! numeric check fail.

/// The GS1 mod-10 check digit for `body` (the digits *without* the check digit),
/// or `None` if `body` contains a non-digit.
///
/// Weights 3,1,3,1,... are applied from the rightmost digit of `body`.
pub fn mod10(body: &[u8]) -> Option<u8> {
    let mut sum: u32 = 0;
    for (i, &b) in body.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    // `sum % 10` is < 10, so the cast cannot truncate.
    Some(((10 - sum % 10) % 10) as u8)
}

/// True if the last digit of `key` is the correct mod-10 check digit of the rest.
pub fn mod10_valid(key: &[u8]) -> bool {
    match key.split_last() {
        Some((&last, body)) if !body.is_empty() && last.is_ascii_digit() => {
            mod10(body) == Some(last - b'0')
        }
        _ => false,
    }
}

/// Characters of CSET 82 in the order whose index is the character's value
/// for the alphanumeric check-character pair.
const CSET82: &[u8; 82] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// Characters that may be check characters (CSET 32: digits and upper case
/// letters without vowels and a few look-alikes), indexed by value 0..31.
const CSET32: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The 41 prime weights used, from the right, by the alphanumeric check pair.
const PRIMES: [u32; 41] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179,
];

fn cset82_value(b: u8) -> Option<u32> {
    CSET82
        .iter()
        .position(|&c| c == b)
        .and_then(|p| u32::try_from(p).ok())
}

/// The two check characters for a CSET 82 key body (without the pair), or
/// `None` if the body has a character outside CSET 82 or is longer than the
/// 41 characters the algorithm is defined for.
pub fn alnum_pair(body: &[u8]) -> Option<[u8; 2]> {
    if body.len() > PRIMES.len() {
        return None;
    }
    let mut sum: u32 = 0;
    // The rightmost body character gets weight 2, the next 3, and so on leftwards.
    for (i, &b) in body.iter().enumerate() {
        let v = cset82_value(b)?;
        let w = *PRIMES.get(body.len() - 1 - i)?;
        sum += v * w;
    }
    let r = sum % 1021;
    let hi = CSET32.get((r >> 5) as usize)?;
    let lo = CSET32.get((r & 31) as usize)?;
    Some([*hi, *lo])
}

/// True if the last two characters of `key` are the correct check pair.
pub fn alnum_pair_valid(key: &[u8]) -> bool {
    if key.len() < 3 {
        return false;
    }
    let (body, pair) = key.split_at(key.len() - 2);
    alnum_pair(body).is_some_and(|p| p == pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_examples_from_the_general_specifications() {
        // GTIN-14 09506000134352 and GTIN-13 9506000134352 share the check digit 2.
        assert_eq!(mod10(b"0950600013435"), Some(2));
        assert!(mod10_valid(b"09506000134352"));
        assert!(mod10_valid(b"9506000134352"));
        assert!(!mod10_valid(b"09506000134353"));
        // SSCC example 106141412345678908.
        assert!(mod10_valid(b"106141412345678908"));
        // GLN 9521234543213 (AI 414 example).
        assert!(mod10_valid(b"9521234543213"));
    }

    #[test]
    fn mod10_refuses_non_digits_and_short_input() {
        assert_eq!(mod10(b"12a4"), None);
        assert!(!mod10_valid(b"7"));
        assert!(!mod10_valid(b""));
        assert!(!mod10_valid(b"1234567x"));
    }

    #[test]
    fn alphanumeric_pair_example_from_the_general_specifications() {
        // GMN example from the GS1 General Specifications (AI 8013): "1987654Ad4X4bL5ttr2310c2K".
        assert!(alnum_pair_valid(b"1987654Ad4X4bL5ttr2310c2K"));
        assert_eq!(alnum_pair(b"1987654Ad4X4bL5ttr2310c"), Some(*b"2K"));
        assert!(!alnum_pair_valid(b"1987654Ad4X4bL5ttr2310c2L"));
        assert!(!alnum_pair_valid(b"1987654Ad4X4bL5ttr2310c\x1d2K"));
    }
}
