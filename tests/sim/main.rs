//! Integration tests of `tug sim` over HTTP: kubectl and kube-rs against the simulated cluster.
//! One test binary (one link step) with a module per area.
#![allow(clippy::unwrap_used)]

mod common;

mod access;
mod api;
mod apis;
mod apply;
mod authz;
mod controllers;
mod errors;
mod explain;
mod helm;
mod lists;
mod managed_fields;
mod media;
mod metrics;
mod podio;
mod portforward;
mod protobuf;
mod rbac;
mod relations_paging;
mod revisions;
mod robustness;
mod rollback;
mod state_dir;
mod validation;
mod watcher;
