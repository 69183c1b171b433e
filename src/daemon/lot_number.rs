//! Internal lot numbers from the configured pattern, e.g. `{yyyymmdd}-{seq:03}`
//! gives `20261121-007` for the seventh lot made or received that day.
//!
//! Placeholders: `{yyyymmdd}`, `{yymmdd}`, `{seq}`, `{seq:0N}` (zero-padded to
//! N digits, N 1..9) and `{station}`. Anything else in braces is refused when
//! the pattern is checked, so rendering never meets an unknown placeholder.

use jiff::civil::Date;

/// A pattern problem, naming the placeholder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("lot number pattern {pattern:?}: {message}")]
pub struct PatternError {
    /// The pattern.
    pub pattern: String,
    /// What is wrong; lists the allowed placeholders.
    pub message: String,
}

const ALLOWED: &str = "{yyyymmdd}, {yymmdd}, {seq}, {seq:0N} (N 1-9), {station}";

fn pieces(pattern: &str) -> Result<Vec<Piece<'_>>, PatternError> {
    let err = |message: String| PatternError {
        pattern: pattern.to_owned(),
        message,
    };
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let (lit, after) = rest.split_at(open);
        if !lit.is_empty() {
            out.push(Piece::Lit(lit));
        }
        let close = after.find('}').ok_or_else(|| {
            err(format!(
                "'{{' without '}}'; allowed placeholders: {ALLOWED}"
            ))
        })?;
        let name = after.get(1..close).unwrap_or_default();
        out.push(match name {
            "yyyymmdd" => Piece::Yyyymmdd,
            "yymmdd" => Piece::Yymmdd,
            "seq" => Piece::Seq(0),
            "station" => Piece::Station,
            _ => match name
                .strip_prefix("seq:0")
                .and_then(|n| n.parse::<u8>().ok())
            {
                Some(n @ 1..=9) => Piece::Seq(n),
                _ => {
                    return Err(err(format!(
                        "unknown placeholder {{{name}}}; allowed: {ALLOWED}"
                    )));
                }
            },
        });
        rest = after.get(close + 1..).unwrap_or_default();
    }
    if rest.contains('}') {
        return Err(err(format!(
            "'}}' without '{{'; allowed placeholders: {ALLOWED}"
        )));
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest));
    }
    if !out.iter().any(|p| matches!(p, Piece::Seq(_))) {
        return Err(err(
            "the pattern needs a {seq} placeholder, or every lot of a day gets the same number"
                .to_owned(),
        ));
    }
    Ok(out)
}

enum Piece<'a> {
    Lit(&'a str),
    Yyyymmdd,
    Yymmdd,
    Seq(u8),
    Station,
}

/// Check a pattern (at config time).
pub fn check(pattern: &str) -> Result<(), PatternError> {
    pieces(pattern).map(drop)
}

/// Render the lot number for `date` and the day's sequence number `seq`.
pub fn render(pattern: &str, date: Date, seq: u32, station: &str) -> Result<String, PatternError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    for p in pieces(pattern)? {
        match p {
            Piece::Lit(s) => out.push_str(s),
            Piece::Yyyymmdd => out.push_str(&date.strftime("%Y%m%d").to_string()),
            Piece::Yymmdd => out.push_str(&date.strftime("%y%m%d").to_string()),
            Piece::Seq(w) => out.push_str(&format!("{seq:0width$}", width = usize::from(w))),
            Piece::Station => out.push_str(station),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pattern_renders_date_and_padded_sequence() {
        let d = jiff::civil::date(2026, 11, 21);
        assert_eq!(
            render("{yyyymmdd}-{seq:03}", d, 7, "k1").unwrap(),
            "20261121-007"
        );
        assert_eq!(
            render("{station}/{yymmdd}/{seq}", d, 1234, "k1").unwrap(),
            "k1/261121/1234"
        );
    }

    #[test]
    fn bad_patterns_name_the_problem() {
        assert!(
            check("{yyyymmdd}-{sequence}")
                .unwrap_err()
                .message
                .contains("{sequence}")
        );
        assert!(check("{yyyymmdd}").unwrap_err().message.contains("{seq}"));
        assert!(check("{seq").is_err());
        assert!(check("seq}").is_err());
        assert!(check("{seq:010}").is_err());
        assert!(check("LOT-{seq:04}").is_ok());
    }
}
