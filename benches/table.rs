//! Hot paths of the resource browser at 10,000 pods: a full frame of the pod table at 200x50, and applying a
//! filter (which rebuilds the visible rows). Run with `cargo bench`.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tug::app::{App, AppEvent, Body};
use tug::cluster::connect::ClusterInfo;
use tug::cluster::discovery::Kind;
use tug::model::table::{Column, Row};

const PODS: usize = 10_000;

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
    let rows = (0..PODS)
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
    let mut app = app_with_pods();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    c.bench_function("render 10k-pod table at 200x50", |b| {
        b.iter(|| {
            terminal.draw(|f| tug::ui::render(&app, f)).unwrap();
        });
    });
    c.bench_function("filter 10k pods (type a word, rebuild rows)", |b| {
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
    });
    c.bench_function("cursor step with 10k pods", |b| {
        b.iter(|| {
            app.handle(key(KeyCode::Char('j')));
            app.prepare();
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
