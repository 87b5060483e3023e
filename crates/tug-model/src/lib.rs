//! Pure, cluster-agnostic helpers shared by the sim, the cluster layer and the UI: kinds, scopes, table rows,
//! mutations as data, and the texts and projections made from objects (formatting, classification, diffs).
//! Must not depend on ratatui, tokio or the network.
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod change_feed;
pub mod custom_columns;
pub mod describe;
pub mod duration;
pub mod explain;
pub mod failure;
pub mod health;
pub mod helm;
pub mod kind;
pub mod logbuf;
pub mod manifest;
pub mod merge;
pub mod metrics;
pub mod mutation;
pub mod object_yaml;
pub mod pod;
pub mod pod_facts;
pub mod rbac;
pub mod relations;
pub mod rollback;
pub mod rollout_changes;
pub mod scope;
pub mod selector;
pub mod table;
pub mod timeline;
