//! Pure, cluster-agnostic helpers shared by the sim and the UI (formatting, classification).
//! Must not depend on ratatui, tokio or the network.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod duration;
pub mod logbuf;
pub mod manifest;
pub mod merge;
pub mod selector;
pub mod table;
