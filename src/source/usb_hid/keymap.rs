//! Keyboard layouts: what a HID keyboard usage (USB HID Usage Tables,
//! page 0x07) types on a host with a given layout. PURE: no I/O.
//!
//! A scanner in keyboard mode does not send characters; it sends the key
//! positions that would type them on a host with the layout it was configured
//! for. A German-configured scanner sends the physical Y key for `z`, and a
//! French one sends Shift+the `1` key for `1`. lotstation must decode with the
//! same layout the scanner was set to, or data changes silently (`"` becoming
//! `@` is the classic case). Layouts here follow the common Linux/Windows
//! definitions of US, UK, German (QWERTZ) and French (AZERTY) keyboards.
//!
//! Invariant: [`key`] is total: every usage, modifier and layout combination
//! gives a [`Key`], never a panic.

/// A keyboard layout a scanner can be configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Layout {
    /// US English (QWERTY). The default of almost every scanner.
    #[default]
    Us,
    /// United Kingdom (QWERTY, ISO): `"` on Shift+2, `@` on Shift+'.
    Uk,
    /// German (QWERTZ): Y and Z swapped, `@` on AltGr+Q, dead `^`.
    De,
    /// French (AZERTY): digits need Shift, dead `^` and `¨`.
    Fr,
}

impl Layout {
    /// Every layout.
    pub const ALL: [Layout; 4] = [Layout::Us, Layout::Uk, Layout::De, Layout::Fr];

    /// The config name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Layout::Us => "us",
            Layout::Uk => "uk",
            Layout::De => "de",
            Layout::Fr => "fr",
        }
    }

    /// True when the right Alt key is AltGr (a third level of characters)
    /// rather than a second Alt key.
    pub const fn has_altgr(self) -> bool {
        !matches!(self, Layout::Us)
    }
}

/// What one key press means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character.
    Char(char),
    /// A dead key: it types nothing by itself and combines with the next
    /// key. The value is its spacing form (`^`, `¨`, `´`, `` ` ``, `~`).
    Dead(char),
    /// Enter or keypad Enter.
    Enter,
    /// Tab.
    Tab,
    /// A keypad digit, for Alt+numpad codes (with Num Lock on it also types
    /// the digit).
    KeypadDigit(u8),
    /// A key that types nothing and changes nothing a scanner relies on:
    /// Caps/Num/Scroll Lock, usage 0 (no key).
    Ignored,
    /// A key with no character in this layout (Escape, F-keys, arrows,
    /// Backspace...): a scan containing it cannot be trusted.
    Unmapped,
}

/// One level of a key: nothing, a character, or a dead key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sym {
    None,
    C(char),
    D(char),
}

use Sym::{C, D, None as N};

/// A key's three levels: plain, Shift, AltGr.
type Levels = [Sym; 3];

const fn plain(base: char, shift: char) -> Levels {
    [C(base), C(shift), N]
}

/// Letters a-z by usage (0x04 = A ... 0x1D = Z), US positions.
fn letter(usage: u8) -> Option<char> {
    match usage {
        0x04..=0x1D => Some(char::from(b'a' + (usage - 0x04))),
        _ => None,
    }
}

fn letter_levels(c: char) -> Levels {
    plain(c, c.to_ascii_uppercase())
}

fn us(usage: u8) -> Levels {
    if let Some(c) = letter(usage) {
        return letter_levels(c);
    }
    match usage {
        0x1E => plain('1', '!'),
        0x1F => plain('2', '@'),
        0x20 => plain('3', '#'),
        0x21 => plain('4', '$'),
        0x22 => plain('5', '%'),
        0x23 => plain('6', '^'),
        0x24 => plain('7', '&'),
        0x25 => plain('8', '*'),
        0x26 => plain('9', '('),
        0x27 => plain('0', ')'),
        0x2C => plain(' ', ' '),
        0x2D => plain('-', '_'),
        0x2E => plain('=', '+'),
        0x2F => plain('[', '{'),
        0x30 => plain(']', '}'),
        // 0x32 is the ISO key beside Enter; on a US host it types \ too.
        0x31 | 0x32 | 0x64 => plain('\\', '|'),
        0x33 => plain(';', ':'),
        0x34 => plain('\'', '"'),
        0x35 => plain('`', '~'),
        0x36 => plain(',', '<'),
        0x37 => plain('.', '>'),
        0x38 => plain('/', '?'),
        _ => [N, N, N],
    }
}

fn uk(usage: u8) -> Levels {
    match usage {
        0x08 => [C('e'), C('E'), C('é')],
        0x1F => plain('2', '"'),
        0x20 => plain('3', '£'),
        0x21 => [C('4'), C('$'), C('€')],
        0x31 | 0x32 => plain('#', '~'),
        0x34 => plain('\'', '@'),
        0x35 => [C('`'), C('¬'), C('¦')],
        0x64 => plain('\\', '|'),
        _ => us(usage),
    }
}

fn de(usage: u8) -> Levels {
    match usage {
        0x1C => letter_levels('z'),
        0x1D => letter_levels('y'),
        0x14 => [C('q'), C('Q'), C('@')],
        0x08 => [C('e'), C('E'), C('€')],
        0x10 => [C('m'), C('M'), C('µ')],
        0x1E => plain('1', '!'),
        0x1F => [C('2'), C('"'), C('²')],
        0x20 => [C('3'), C('§'), C('³')],
        0x21 => plain('4', '$'),
        0x22 => plain('5', '%'),
        0x23 => plain('6', '&'),
        0x24 => [C('7'), C('/'), C('{')],
        0x25 => [C('8'), C('('), C('[')],
        0x26 => [C('9'), C(')'), C(']')],
        0x27 => [C('0'), C('='), C('}')],
        0x2D => [C('ß'), C('?'), C('\\')],
        0x2E => [D('´'), D('`'), N],
        0x2F => plain('ü', 'Ü'),
        0x30 => [C('+'), C('*'), C('~')],
        0x31 | 0x32 => plain('#', '\''),
        0x33 => plain('ö', 'Ö'),
        0x34 => plain('ä', 'Ä'),
        0x35 => [D('^'), C('°'), N],
        0x36 => plain(',', ';'),
        0x37 => plain('.', ':'),
        0x38 => plain('-', '_'),
        0x64 => [C('<'), C('>'), C('|')],
        _ => us(usage),
    }
}

fn fr(usage: u8) -> Levels {
    match usage {
        0x04 => letter_levels('q'),
        0x14 => letter_levels('a'),
        0x1A => letter_levels('z'),
        0x1D => letter_levels('w'),
        0x08 => [C('e'), C('E'), C('€')],
        0x10 => plain(',', '?'),
        0x1E => plain('&', '1'),
        0x1F => [C('é'), C('2'), D('~')],
        0x20 => [C('"'), C('3'), C('#')],
        0x21 => [C('\''), C('4'), C('{')],
        0x22 => [C('('), C('5'), C('[')],
        0x23 => [C('-'), C('6'), C('|')],
        0x24 => [C('è'), C('7'), D('`')],
        0x25 => [C('_'), C('8'), C('\\')],
        0x26 => [C('ç'), C('9'), C('^')],
        0x27 => [C('à'), C('0'), C('@')],
        0x2D => [C(')'), C('°'), C(']')],
        0x2E => [C('='), C('+'), C('}')],
        0x2F => [D('^'), D('¨'), N],
        0x30 => [C('$'), C('£'), C('¤')],
        0x31 | 0x32 => plain('*', 'µ'),
        0x33 => plain('m', 'M'),
        0x34 => plain('ù', '%'),
        0x35 => [C('²'), N, N],
        0x36 => plain(';', '.'),
        0x37 => plain(':', '/'),
        0x38 => plain('!', '§'),
        0x64 => plain('<', '>'),
        _ => us(usage),
    }
}

fn levels(layout: Layout, usage: u8) -> Levels {
    match layout {
        Layout::Us => us(usage),
        Layout::Uk => uk(usage),
        Layout::De => de(usage),
        Layout::Fr => fr(usage),
    }
}

/// The keypad's decimal key: `.` on US/UK hosts, `,` on German and French.
fn keypad_decimal(layout: Layout) -> char {
    match layout {
        Layout::Us | Layout::Uk => '.',
        Layout::De | Layout::Fr => ',',
    }
}

/// What pressing `usage` types with `layout`, given whether Shift and AltGr
/// are held. Num Lock is taken as on (keypad keys type digits), Caps Lock
/// as off: lotstation owns the device, so no other program changed them.
pub fn key(layout: Layout, usage: u8, shift: bool, altgr: bool) -> Key {
    match usage {
        0x00 => return Key::Ignored,
        0x28 | 0x58 => return Key::Enter,
        0x2B => return Key::Tab,
        0x39 | 0x47 | 0x53 => return Key::Ignored,
        0x59..=0x61 => return Key::KeypadDigit(usage - 0x58),
        0x62 => return Key::KeypadDigit(0),
        0x54 => return Key::Char('/'),
        0x55 => return Key::Char('*'),
        0x56 => return Key::Char('-'),
        0x57 => return Key::Char('+'),
        0x63 => return Key::Char(keypad_decimal(layout)),
        _ => {}
    }
    let l = levels(layout, usage);
    let sym = match (altgr && layout.has_altgr(), shift) {
        (true, _) => l[2],
        (false, true) => l[1],
        (false, false) => l[0],
    };
    match sym {
        C(c) => Key::Char(c),
        D(c) => Key::Dead(c),
        N => Key::Unmapped,
    }
}

/// The control code Ctrl+`c` gives in a terminal: `@`..`_` and `a`..`z`
/// map to 0x00..0x1F (so Ctrl+] is GS, Ctrl+^ is RS, Ctrl+D is EOT).
pub fn control_code(c: char) -> Option<u8> {
    let b = u8::try_from(u32::from(c)).ok()?;
    match b {
        0x40..=0x5F => Some(b - 0x40),
        0x61..=0x7A => Some(b - 0x60),
        _ => None,
    }
}

/// The control code for Ctrl+`usage`. The layout's own character is tried
/// first; when it has none (German `+` sits where US `]` is), the US
/// character of the same key position is used, because scanners that emit
/// GS as Ctrl+] press the key at the US `]` position whatever the layout;
/// Ctrl+6 (the US `^` key) gives RS as in terminals.
pub fn ctrl_key(layout: Layout, usage: u8, shift: bool, altgr: bool) -> Option<u8> {
    let own = match key(layout, usage, shift, altgr) {
        Key::Char(c) | Key::Dead(c) => control_code(c),
        _ => None,
    };
    own.or_else(|| match key(Layout::Us, usage, shift, false) {
        Key::Char(c) => control_code(c),
        _ => None,
    })
    .or_else(|| (usage == 0x23).then_some(0x1E))
}

/// A dead key followed by `base`: the composed letter, if the pair has one.
pub fn compose(dead: char, base: char) -> Option<char> {
    let (from, to) = match dead {
        '^' => ("aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
        '¨' => ("aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"),
        '´' => ("aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"),
        '`' => ("aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
        '~' => ("anoANO", "ãñõÃÑÕ"),
        _ => return None,
    };
    from.chars()
        .zip(to.chars())
        .find(|(f, _)| *f == base)
        .map(|(_, t)| t)
}

/// For tests and fixtures: the usage and modifiers that type `c` with
/// `layout`, as `(usage, shift, altgr)`; `None` when the layout cannot type
/// it with one key.
pub fn usage_for(layout: Layout, c: char) -> Option<(u8, bool, bool)> {
    for usage in (0x04u8..=0x38).chain([0x64]) {
        for (shift, altgr) in [(false, false), (true, false), (false, true)] {
            if altgr && !layout.has_altgr() {
                continue;
            }
            if key(layout, usage, shift, altgr) == Key::Char(c) {
                return Some((usage, shift, altgr));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_the_layout() {
        assert_eq!(key(Layout::Us, 0x1C, false, false), Key::Char('y'));
        assert_eq!(key(Layout::De, 0x1C, false, false), Key::Char('z'));
        assert_eq!(key(Layout::De, 0x1D, true, false), Key::Char('Y'));
        assert_eq!(key(Layout::Fr, 0x04, false, false), Key::Char('q'));
        assert_eq!(key(Layout::Fr, 0x14, true, false), Key::Char('A'));
        assert_eq!(key(Layout::Fr, 0x33, false, false), Key::Char('m'));
        assert_eq!(key(Layout::Fr, 0x10, false, false), Key::Char(','));
    }

    #[test]
    fn the_quote_and_at_differ_between_us_and_uk() {
        assert_eq!(key(Layout::Us, 0x1F, true, false), Key::Char('@'));
        assert_eq!(key(Layout::Uk, 0x1F, true, false), Key::Char('"'));
        assert_eq!(key(Layout::Us, 0x34, true, false), Key::Char('"'));
        assert_eq!(key(Layout::Uk, 0x34, true, false), Key::Char('@'));
        assert_eq!(key(Layout::De, 0x14, false, true), Key::Char('@'));
        assert_eq!(key(Layout::Fr, 0x27, false, true), Key::Char('@'));
    }

    #[test]
    fn french_digits_need_shift() {
        assert_eq!(key(Layout::Fr, 0x1E, false, false), Key::Char('&'));
        assert_eq!(key(Layout::Fr, 0x1E, true, false), Key::Char('1'));
        assert_eq!(key(Layout::Fr, 0x27, true, false), Key::Char('0'));
    }

    #[test]
    fn altgr_is_only_a_level_where_the_layout_has_one() {
        // Right Alt on a US host is plain Alt: the unshifted character.
        assert_eq!(key(Layout::Us, 0x14, false, true), Key::Char('q'));
        assert_eq!(key(Layout::De, 0x08, false, true), Key::Char('€'));
    }

    #[test]
    fn special_keys() {
        for l in Layout::ALL {
            assert_eq!(key(l, 0x28, false, false), Key::Enter);
            assert_eq!(key(l, 0x58, true, false), Key::Enter);
            assert_eq!(key(l, 0x2B, false, false), Key::Tab);
            assert_eq!(key(l, 0x62, false, false), Key::KeypadDigit(0));
            assert_eq!(key(l, 0x59, false, false), Key::KeypadDigit(1));
            assert_eq!(key(l, 0x61, false, false), Key::KeypadDigit(9));
            assert_eq!(key(l, 0x29, false, false), Key::Unmapped);
            assert_eq!(key(l, 0x39, false, false), Key::Ignored);
            assert_eq!(key(l, 0xFF, true, true), Key::Unmapped);
        }
        assert_eq!(key(Layout::De, 0x35, false, false), Key::Dead('^'));
        assert_eq!(key(Layout::Fr, 0x2F, true, false), Key::Dead('¨'));
    }

    #[test]
    fn control_codes_for_gs_rs_eot() {
        for l in Layout::ALL {
            assert_eq!(ctrl_key(l, 0x30, false, false), Some(0x1D), "{l:?} Ctrl+]");
            assert_eq!(ctrl_key(l, 0x23, true, false), Some(0x1E), "{l:?} Ctrl+^");
            assert_eq!(ctrl_key(l, 0x23, false, false), Some(0x1E), "{l:?} Ctrl+6");
        }
        assert_eq!(ctrl_key(Layout::Us, 0x07, false, false), Some(0x04));
        // German: the dead ^ key with Ctrl is Ctrl+^ too.
        assert_eq!(ctrl_key(Layout::De, 0x35, false, false), Some(0x1E));
        // German ] is AltGr+9.
        assert_eq!(ctrl_key(Layout::De, 0x26, false, true), Some(0x1D));
        assert_eq!(ctrl_key(Layout::Us, 0x29, false, false), None);
    }

    #[test]
    fn every_printable_ascii_character_is_typeable_on_us_and_uk() {
        for b in 0x20u8..0x7F {
            let c = char::from(b);
            for l in [Layout::Us, Layout::Uk] {
                let (u, s, a) = usage_for(l, c).unwrap_or_else(|| panic!("{l:?} {c:?}"));
                assert_eq!(key(l, u, s, a), Key::Char(c));
            }
        }
    }

    #[test]
    fn gs1_characters_are_typeable_on_every_layout() {
        // GS1 CSET 82 plus the digits and letters.
        let cset82 =
            "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
        for l in Layout::ALL {
            for c in cset82.chars() {
                assert!(usage_for(l, c).is_some(), "{l:?} cannot type {c:?}");
            }
        }
    }

    #[test]
    fn dead_keys_compose() {
        assert_eq!(compose('^', 'e'), Some('ê'));
        assert_eq!(compose('¨', 'U'), Some('Ü'));
        assert_eq!(compose('^', 'x'), None);
        assert_eq!(compose('q', 'a'), None);
    }
}
