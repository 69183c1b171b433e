//! Integration tests: one binary (see the README's test command).
