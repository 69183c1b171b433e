//! LLRP (Low Level Reader Protocol) RFID readers: the pure codec
//! ([`codec`] framing and primitives, [`messages`] typed messages) that the
//! reader session is built on.

pub mod codec;
#[doc(hidden)]
pub mod fuzzing;
pub mod messages;

#[cfg(test)]
mod tests;

pub use codec::{DecodeError, DecodeErrorKind, EncodeError, FrameSplitter};
pub use messages::{Envelope, Message};
