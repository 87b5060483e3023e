//! Hot paths at 10,000 pods: a full frame of the pod table at 200x50, a filter and a sort (which rebuild the
//! visible rows), a cursor step, building rows from a Table list response, and appending to a full log
//! buffer. Run with `cargo bench --bench table`; `BENCH_ROWS=100000 cargo bench --bench table` for the same at
//! 100,000 pods (issue 22's scale).
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tug::app::{App, AppEvent, Body, Effect};
use tug_cluster::connect::ClusterInfo;
use tug_cluster::discovery::Kind;
use tug_model::logbuf::LogBuffer;
use tug_model::table::{Column, Row, Table};

/// How many pods: `BENCH_ROWS`, 10,000 unless set.
fn pod_count() -> usize {
    std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn app_with_pods() -> App {
    let mut app = App::new(ClusterInfo::default(), None, None, false);
    let pods = Kind {
        group: String::new(),
        version: "v1".into(),
        plural: "pods".into(),
        kind: "Pod".into(),
        namespaced: true,
        short_names: vec!["po".into()],
        verbs: vec!["list".into()],
    };
    app.handle(AppEvent::Discovered(Ok(vec![pods])));
    app.handle(AppEvent::Resize(200, 50));
    let col = |n: &str, p| Column {
        name: n.into(),
        kind: "string".into(),
        priority: p,
    };
    let columns = vec![
        col("Name", 0),
        col("Ready", 0),
        col("Status", 0),
        col("Restarts", 0),
        col("Age", 0),
        col("IP", 1),
        col("Node", 1),
    ];
    let rows = (0..pod_count())
        .map(|i| {
            let name = format!("app-{}-{i:05}-7d4b9c8f5-x2k9p", i % 50);
            let status = if i % 97 == 0 {
                "CrashLoopBackOff"
            } else {
                "Running"
            };
            Row {
                namespace: format!("load-{}", i % 10).into(),
                name: name.clone().into(),
                uid: format!("uid-{i}").into(),
                created: Some(1_700_000_000 + i as i64),
                deleting: false,
                cells: vec![
                    name.into(),
                    "1/1".into(),
                    status.into(),
                    "0".into(),
                    "3d".into(),
                    format!("10.244.{}.{}", i / 250, i % 250).into(),
                    "tug-worker".into(),
                ],
            }
        })
        .collect();
    if let Some(view) = app.top()
        && let Body::Table(t) = &view.body
    {
        t.lock().replace_all(columns, rows);
    }
    app.prepare();
    app
}

fn key(c: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn bench(c: &mut Criterion) {
    let k = format!("{}k", pod_count() / 1000);
    let mut app = app_with_pods();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    c.bench_function(&format!("render {k}-pod table at 200x50"), |b| {
        b.iter(|| {
            terminal.draw(|f| tug::ui::render(&app, f)).unwrap();
        });
    });
    c.bench_function(
        &format!("filter {k} pods (type a word, rebuild rows)"),
        |b| {
            b.iter(|| {
                app.handle(key(KeyCode::Char('/')));
                for ch in "app-7".chars() {
                    app.handle(key(KeyCode::Char(ch)));
                }
                app.handle(key(KeyCode::Enter));
                app.prepare();
                app.handle(key(KeyCode::Esc));
                app.prepare();
            });
        },
    );
    // What a user typing sees: a frame prepared after each key (the first key matches nearly every row, the
    // rest narrow), then Esc widens back to all rows.
    c.bench_function(
        &format!("filter {k} pods, a frame per key (type a word, Esc)"),
        |b| {
            b.iter(|| {
                app.handle(key(KeyCode::Char('/')));
                app.prepare();
                for ch in "app-7".chars() {
                    app.handle(key(KeyCode::Char(ch)));
                    app.prepare();
                }
                app.handle(key(KeyCode::Enter));
                app.prepare();
                app.handle(key(KeyCode::Esc));
                app.prepare();
            });
        },
    );
    c.bench_function(&format!("cursor step with {k} pods"), |b| {
        b.iter(|| {
            app.handle(key(KeyCode::Char('j')));
            app.prepare();
        });
    });
    c.bench_function(&format!("sort {k} pods by status (rebuild rows)"), |b| {
        b.iter(|| {
            app.handle(AppEvent::Key(KeyEvent::new(
                KeyCode::Char('T'),
                KeyModifiers::SHIFT,
            )));
            app.prepare();
        });
    });
    let response = table_response(pod_count());
    c.bench_function(
        &format!("build {k} rows from a Table list response (parse + rows)"),
        |b| {
            b.iter(|| {
                let table: Table = serde_json::from_slice(&response).unwrap();
                let rows: Vec<Row> = table.rows.iter().map(Row::from_table_row).collect();
                assert_eq!(rows.len(), pod_count());
            });
        },
    );
    let mut buffer = LogBuffer::new(20_000);
    let line = br#"2026-11-30T12:00:00.000000000Z {"level":"info","msg":"GET /api/orders 200","latency_ms":12,"trace":"4bf92f3577b34da6a3ce929d0e0e4736"}"#;
    c.bench_function("log: append 1,000 lines to a full 20k-line buffer", |b| {
        b.iter(|| {
            for _ in 0..1_000 {
                buffer.push_raw(0, line, true);
            }
        });
    });
    // A pod's log view with 20k lines buffered, following: one frame.
    let mut logs = app_with_pods();
    let shared = logs
        .handle(key(KeyCode::Char('l')))
        .into_iter()
        .find_map(|e| match e {
            Effect::Logs { buffer, .. } => Some(buffer),
            _ => None,
        })
        .expect("l opens the selected pod's logs");
    {
        let mut b = shared.lock().unwrap();
        for _ in 0..20_000 {
            b.push_raw(0, line, true);
        }
    }
    logs.prepare();
    c.bench_function("log: render a 200x50 page of a 20k-line log", |b| {
        b.iter(|| {
            terminal.draw(|f| tug::ui::render(&logs, f)).unwrap();
        });
    });
}

/// A Table response of `n` pods, as the API server sends it (`includeObject=Metadata`).
fn table_response(n: usize) -> Vec<u8> {
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let name = format!("app-{}-{i:05}", i % 50);
            serde_json::json!({
                "cells": [name, "1/1", "Running", 0, "3d", format!("10.244.{}.{}", i / 250, i % 250), "tug-worker", "<none>", "<none>"],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": {
                    "name": name, "namespace": format!("load-{}", i % 10), "uid": format!("uid-{i}"),
                    "resourceVersion": (1000 + i).to_string(), "creationTimestamp": "2026-11-27T12:00:00Z",
                    "labels": {"app": format!("app-{}", i % 50), "load": "true"}}}
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "99999"},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0},
            {"name": "Ready", "type": "string", "format": "", "description": "", "priority": 0},
            {"name": "Status", "type": "string", "format": "", "description": "", "priority": 0},
            {"name": "Restarts", "type": "string", "format": "", "description": "", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "description": "", "priority": 0},
            {"name": "IP", "type": "string", "format": "", "description": "", "priority": 1},
            {"name": "Node", "type": "string", "format": "", "description": "", "priority": 1},
            {"name": "Nominated Node", "type": "string", "format": "", "description": "", "priority": 1},
            {"name": "Readiness Gates", "type": "string", "format": "", "description": "", "priority": 1}
        ],
        "rows": rows,
    }))
    .unwrap()
}

criterion_group!(benches, bench);
criterion_main!(benches);
