//! The runtime's pieces that touch the terminal or the clock on the app's behalf.

pub mod shell;
