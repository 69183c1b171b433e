//! Retail and case symbols turned into GTINs (a documented lotstation
//! extension beyond the GS1 syntax reference, which reports these as plain
//! digits): EAN-13 / UPC-A (`]E0`, 13 digits), UPC-E (`]E0`, 8 digits,
//! expanded to UPC-A), EAN-8 (`]E4`), EAN/UPC with add-on (`]E3`, the add-on
//! is reported and dropped), and ITF-14 (`]I1`, 14 digits). Each becomes AI
//! (01) with the GTIN zero-padded to 14 digits.

use super::check_digit;
use super::error::{ErrorKind, IdentError};

fn all_digits(d: &[u8], base: usize) -> Result<(), IdentError> {
    match d.iter().position(|b| !b.is_ascii_digit()) {
        None => Ok(()),
        Some(i) => Err(IdentError::new(
            ErrorKind::BadCharacter,
            base + i,
            "an EAN/UPC/ITF symbol carries digits only",
        )),
    }
}

/// Check the mod-10 check digit of `d`; `check_pos` is where the check digit
/// is in the caller's input (for UPC-E, `d` is the expanded UPC-A).
fn checked(d: &[u8], check_pos: usize, what: &str) -> Result<(), IdentError> {
    if check_digit::mod10_valid(d) {
        Ok(())
    } else {
        Err(IdentError::at_ai(
            ErrorKind::BadCheckDigit,
            "01",
            check_pos,
            format!("{what} check digit is wrong; the symbol was misread or misprinted"),
        ))
    }
}

fn pad14(d: &[u8]) -> String {
    let mut s = String::with_capacity(14);
    for _ in d.len()..14 {
        s.push('0');
    }
    s.extend(d.iter().map(|&b| char::from(b)));
    s
}

/// Expand an 8-digit UPC-E (number system, six digits, check) to 12-digit UPC-A.
fn upce_to_upca(d: &[u8]) -> Option<[u8; 12]> {
    let [ns, d1, d2, d3, d4, d5, d6, check] = *d else {
        return None;
    };
    if ns != b'0' && ns != b'1' {
        return None;
    }
    let z = b'0';
    let body: [u8; 10] = match d6 {
        b'0'..=b'2' => [d1, d2, d6, z, z, z, z, d3, d4, d5],
        b'3' => [d1, d2, d3, z, z, z, z, z, d4, d5],
        b'4' => [d1, d2, d3, d4, z, z, z, z, z, d5],
        _ => [d1, d2, d3, d4, d5, z, z, z, z, d6],
    };
    let mut a = [0u8; 12];
    a[0] = ns;
    a[1..11].copy_from_slice(&body);
    a[11] = check;
    Some(a)
}

/// GTIN-14 from `]E0` data: 13 digits (EAN-13, UPC-A) or 8 digits (UPC-E).
pub(crate) fn gtin_from_ean13(d: &[u8], base: usize) -> Result<String, IdentError> {
    all_digits(d, base)?;
    match d.len() {
        13 => {
            checked(d, base + 12, "EAN-13/UPC-A")?;
            Ok(pad14(d))
        }
        8 => {
            let a = upce_to_upca(d).ok_or_else(|| {
                IdentError::new(
                    ErrorKind::BadComponent,
                    base,
                    "UPC-E number system must be 0 or 1",
                )
            })?;
            checked(&a, base + 7, "UPC-E")?;
            Ok(pad14(&a))
        }
        n => Err(IdentError::new(
            if n < 13 {
                ErrorKind::TooShort
            } else {
                ErrorKind::TooLong
            },
            base,
            format!("EAN-13/UPC data is {n} digits; expected 13 (or 8 for UPC-E)"),
        )),
    }
}

/// GTIN-14 from `]E4` (EAN-8) data.
pub(crate) fn gtin_from_ean8(d: &[u8], base: usize) -> Result<String, IdentError> {
    all_digits(d, base)?;
    if d.len() != 8 {
        return Err(IdentError::new(
            if d.len() < 8 {
                ErrorKind::TooShort
            } else {
                ErrorKind::TooLong
            },
            base,
            format!("EAN-8 data is {} digits; expected 8", d.len()),
        ));
    }
    checked(d, base + 7, "EAN-8")?;
    Ok(pad14(d))
}

/// GTIN-14 and add-on from `]E3` data (13 digits + 2 or 5 add-on digits).
pub(crate) fn gtin_from_ean_addon(d: &[u8], base: usize) -> Result<(String, String), IdentError> {
    all_digits(d, base)?;
    if !matches!(d.len(), 15 | 18) {
        return Err(IdentError::new(
            ErrorKind::BadComponent,
            base,
            format!(
                "EAN/UPC with add-on is {} digits; expected 15 or 18",
                d.len()
            ),
        ));
    }
    let (main, addon) = d.split_at(13);
    checked(main, base + 12, "EAN-13/UPC-A")?;
    Ok((pad14(main), String::from_utf8_lossy(addon).into_owned()))
}

/// GTIN-14 from `]I1` (ITF-14) data, if it is 14 digits.
pub(crate) fn gtin_from_itf14(d: &[u8], base: usize) -> Option<Result<String, IdentError>> {
    if d.len() != 14 {
        return None;
    }
    Some(
        all_digits(d, base)
            .and_then(|()| checked(d, base + 13, "ITF-14"))
            .map(|()| pad14(d)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ean13_upca_upce_ean8_and_itf14_become_gtin14() {
        assert_eq!(
            gtin_from_ean13(b"9506000134352", 3).unwrap(),
            "09506000134352"
        );
        assert_eq!(
            gtin_from_ean13(b"0614141000036", 3).unwrap(),
            "00614141000036"
        );
        // UPC-E 01234565 expands to UPC-A 012345000065.
        assert_eq!(gtin_from_ean13(b"01234565", 3).unwrap(), "00012345000065");
        assert_eq!(gtin_from_ean8(b"95010137", 3).unwrap(), "00000095010137");
        assert_eq!(
            gtin_from_itf14(b"10614141000033", 3).unwrap().unwrap(),
            "10614141000033"
        );
        assert!(gtin_from_itf14(b"1234", 3).is_none());
        let (g, addon) = gtin_from_ean_addon(b"977123456700312", 3).unwrap();
        assert_eq!((g.as_str(), addon.as_str()), ("09771234567003", "12"));
    }

    #[test]
    fn a_wrong_check_digit_is_reported_where_it_was_scanned() {
        // UPC-E is checked in its expanded 12-digit form; the error must still
        // point at the eighth digit of the 8 scanned, not past the end.
        let e = gtin_from_ean13(b"03234565", 3).unwrap_err();
        assert_eq!((e.kind, e.position), (ErrorKind::BadCheckDigit, 3 + 7));
        assert_eq!(
            gtin_from_ean13(b"9506000134353", 3).unwrap_err().position,
            3 + 12
        );
        assert_eq!(gtin_from_ean8(b"95010138", 3).unwrap_err().position, 3 + 7);
        let addon = gtin_from_ean_addon(b"977123456700412", 3).unwrap_err();
        assert_eq!(addon.position, 3 + 12);
    }

    #[test]
    fn bad_retail_data_is_refused() {
        assert_eq!(
            gtin_from_ean13(b"9506000134353", 3).unwrap_err().kind,
            ErrorKind::BadCheckDigit
        );
        assert_eq!(
            gtin_from_ean13(b"950600013435", 3).unwrap_err().kind,
            ErrorKind::TooShort
        );
        assert_eq!(
            gtin_from_ean13(b"95060001343521", 3).unwrap_err().kind,
            ErrorKind::TooLong
        );
        assert_eq!(
            gtin_from_ean13(b"95060A0134352", 3).unwrap_err().position,
            8
        );
        assert_eq!(
            gtin_from_ean13(b"21234565", 3).unwrap_err().kind,
            ErrorKind::BadComponent
        );
        assert_eq!(
            gtin_from_ean8(b"95010138", 3).unwrap_err().kind,
            ErrorKind::BadCheckDigit
        );
        assert_eq!(
            gtin_from_itf14(b"10614141000034", 3)
                .unwrap()
                .unwrap_err()
                .kind,
            ErrorKind::BadCheckDigit
        );
    }
}
