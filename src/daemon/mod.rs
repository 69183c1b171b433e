//! The station daemon: sources → station → store writer, every channel
//! bounded, one cancellation tree, ordered shutdown.

pub mod feedback;
