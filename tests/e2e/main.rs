//! End-to-end: the real `tug` binary in a pseudo-terminal against `tug sim`, driven by keys, read back
//! through a VT parser. Every wait polls the screen under a generous deadline; nothing sleeps blindly.
#![allow(clippy::unwrap_used)]

#[path = "../sim/common.rs"]
#[allow(dead_code)]
mod common;
mod harness;

mod access;
mod actions;
mod browse;
mod columns;
mod config;
mod edit;
mod fleet;
mod helm;
mod k9s;
mod logs;
mod metrics;
mod operator;
mod relations;
mod reliability;
mod resilience;
mod runtime;
mod shell;
mod tabs;
mod whatchanged;
