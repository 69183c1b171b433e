//! Config errors for people: every error names the file, the line and column
//! when known, and the dotted key (`sources[1].path`), says what is wrong and,
//! where it helps, what is allowed.
//!
//! [`Locator`] turns byte offsets of the TOML text into line/column and into
//! the key path at that offset, using toml's spanned document tree. That is
//! how syntax errors and serde errors (unknown key, wrong type), which carry
//! only a byte span, still name their key.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ConfigError {
    /// The file, as given by the caller.
    pub path: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// Dotted key, e.g. `station.id` or `sources[1].path`.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What is allowed or how to fix it, e.g. `allowed: stdin, replay`.
    pub hint: Option<String>,
}

impl ConfigError {
    /// An error about the file as a whole (e.g. it cannot be read).
    pub fn file(path: &Path, message: impl Into<String>) -> ConfigError {
        ConfigError {
            path: path.to_owned(),
            line: None,
            column: None,
            key: None,
            message: message.into(),
            hint: None,
        }
    }
}

impl fmt::Display for ConfigError {
    /// `config/demo.toml:14:9: key sources[0].kind: unknown source kind "serail"; allowed: stdin, replay`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(key) = &self.key {
            write!(f, "key {key}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

/// All problems found in one config file, in file order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    /// Wrap a list; `None` if it is empty.
    pub(super) fn new(mut errors: Vec<ConfigError>) -> Option<ConfigErrors> {
        errors.sort_by_key(|e| (e.line.unwrap_or(0), e.column.unwrap_or(0)));
        (!errors.is_empty()).then_some(ConfigErrors(errors))
    }

    /// One error.
    pub(super) fn one(error: ConfigError) -> ConfigErrors {
        ConfigErrors(vec![error])
    }

    /// The errors, in file order.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false; for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterate over the errors.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for ConfigErrors {
    /// One error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// One key of the document with where it is written.
#[derive(Debug)]
struct KeyPlace {
    path: String,
    key: Range<usize>,
    value: Range<usize>,
}

/// Maps byte offsets of one TOML text to line, column and key.
#[derive(Debug)]
pub(super) struct Locator<'a> {
    path: &'a Path,
    text: &'a str,
    keys: Vec<KeyPlace>,
}

impl<'a> Locator<'a> {
    /// Index `text`; syntax errors are returned as config errors (all of
    /// them that toml's recovering parser finds).
    pub(super) fn new(path: &'a Path, text: &'a str) -> (Locator<'a>, Vec<ConfigError>) {
        let (doc, errors) = DeTable::parse_recoverable(text);
        let mut keys = Vec::new();
        collect(doc.get_ref(), "", &mut keys);
        let loc = Locator { path, text, keys };
        let errors = errors.iter().map(|e| loc.toml_error(e)).collect();
        (loc, errors)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(super) fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut line = 1;
        let mut col = 1;
        for (i, c) in self.text.char_indices() {
            if i >= offset {
                break;
            }
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        (line, col)
    }

    /// The dotted key written at `offset`: the innermost key or value that
    /// contains it, else the last key before it on the same line.
    pub(super) fn key_at(&self, offset: usize) -> Option<String> {
        let inside = |r: &Range<usize>| r.start <= offset && offset < r.end.max(r.start + 1);
        let innermost = self
            .keys
            .iter()
            .filter_map(|k| {
                if !k.key.is_empty() && inside(&k.key) {
                    Some((k.key.len(), k))
                } else if inside(&k.value) {
                    Some((k.value.len(), k))
                } else {
                    None
                }
            })
            // A table's span is its header, which its array shares: prefer the deeper path.
            .min_by_key(|(len, k)| (*len, std::cmp::Reverse(k.path.len())));
        if let Some((_, k)) = innermost {
            return Some(k.path.clone());
        }
        let (line, _) = self.line_col(offset);
        self.keys
            .iter()
            .filter(|k| {
                !k.key.is_empty() && k.key.start <= offset && self.line_col(k.key.start).0 == line
            })
            .max_by_key(|k| k.key.start)
            .map(|k| k.path.clone())
    }

    /// The table written exactly at `span` (its header), deepest first; `None`
    /// for the document itself.
    fn table_at(&self, span: &Range<usize>) -> Option<String> {
        self.keys
            .iter()
            .filter(|k| k.value == *span)
            .max_by_key(|k| k.path.len())
            .map(|k| k.path.clone())
    }

    /// An error at a span, with a known key.
    pub(super) fn at(
        &self,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> ConfigError {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = self.line_col(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ConfigError {
            path: self.path.to_owned(),
            line,
            column,
            key: Some(key.into()),
            message: message.into(),
            hint,
        }
    }

    /// A toml syntax or serde error: place it, find its key, and split
    /// serde's "expected ..." tail off into the hint.
    pub(super) fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let span = e.span();
        let raw = e.message().trim().replace('\n', "; ");
        let (message, hint) = match raw.split_once(", expected ") {
            Some((m, h)) if m.starts_with("unknown field") || m.starts_with("unknown variant") => {
                (m.to_owned(), Some(allowed_hint(h)))
            }
            Some((m, "nothing")) => (m.to_owned(), None),
            Some((m, h)) => (m.to_owned(), Some(format!("expected {h}"))),
            None => (raw.clone(), None),
        };
        let mut span = span;
        let key = match (missing_field(&message), &span) {
            // serde puts a missing field at the table that lacks it; a
            // top-level key missing from the document has no line.
            (Some(field), Some(s)) => Some(match self.table_at(s) {
                Some(table) => format!("{table}.{field}"),
                None => {
                    span = None;
                    field.to_owned()
                }
            }),
            (Some(field), None) => Some(field.to_owned()),
            (None, s) => s.as_ref().and_then(|s| self.key_at(s.start)),
        };
        let (line, column) = match &span {
            Some(s) => {
                let (l, c) = self.line_col(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        ConfigError {
            path: self.path.to_owned(),
            line,
            column,
            key,
            message,
            hint,
        }
    }
}

/// serde's "one of `a`, `b`" → "allowed: a, b".
fn allowed_hint(expected: &str) -> String {
    let list = expected
        .strip_prefix("one of ")
        .or_else(|| expected.strip_prefix("either "))
        .unwrap_or(expected);
    if list.starts_with('`') {
        let names: Vec<&str> = list
            .split(['`'])
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "," && *s != "or")
            .collect();
        format!("allowed: {}", names.join(", "))
    } else {
        format!("expected {expected}")
    }
}

/// The field named by serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|f| !f.is_empty())
}

/// A key segment as written in a dotted path (quoted unless bare).
fn segment(name: &str) -> String {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

fn collect(table: &DeTable<'_>, prefix: &str, out: &mut Vec<KeyPlace>) {
    for (k, v) in table {
        let path = if prefix.is_empty() {
            segment(k.get_ref())
        } else {
            format!("{prefix}.{}", segment(k.get_ref()))
        };
        push_value(&path, Some(k.span()), v, out);
    }
}

fn push_value(
    path: &str,
    key: Option<Range<usize>>,
    v: &Spanned<DeValue<'_>>,
    out: &mut Vec<KeyPlace>,
) {
    out.push(KeyPlace {
        path: path.to_owned(),
        key: key.unwrap_or(0..0),
        value: v.span(),
    });
    match v.get_ref() {
        DeValue::Table(t) => collect(t, path, out),
        DeValue::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                push_value(&format!("{path}[{i}]"), None, e, out);
            }
        }
        _ => {}
    }
}
