//! USB HID scanners: keyboard-wedge (boot protocol) and HID-POS (usage page
//! 0x8C) devices read directly, so keystrokes never reach another program,
//! GS separators and AIM identifiers survive, and the keyboard layout is the
//! scanner's, not the desktop's.
//!
//! - [`keymap`] (pure): HID keyboard usages to characters per layout.
//! - [`report`] (pure): boot-keyboard and HID-POS input reports to scans.
//! - [`fuzzing`]: the invariant checks the fuzz targets and the corpus
//!   replay test run on the two decoders.

pub mod fuzzing;
pub mod keymap;
pub mod report;
