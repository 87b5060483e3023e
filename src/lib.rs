//! tug: a terminal UI for Kubernetes. The library holds everything; `main.rs` only parses the CLI.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod app;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod journal;
pub mod recovery;
pub mod runtime;
pub mod ui;

#[cfg(test)]
mod layers_tests;
