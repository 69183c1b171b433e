//! The `lotstation` command.

fn main() {}
