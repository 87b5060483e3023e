//! Long random sequences of keys, resizes and cluster events (rows appearing and vanishing, the selected one
//! included; answers, errors and conflicts from the server; log lines arriving) through `App::handle`,
//! rendering every frame: nothing may panic, and the invariants hold after every step.

use crate::app::wording::{FetchFailure, Request};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rand::{RngExt, SeedableRng};
use ratatui::backend::TestBackend;
use serde_json::json;
use tug_cluster::ApiFailure;

use super::*;
use tug_model::table::{Column, Row};

fn kinds() -> Vec<Kind> {
    let k = |group: &str, plural: &str, kind: &str| Kind {
        group: group.into(),
        version: "v1".into(),
        plural: plural.into(),
        kind: kind.into(),
        namespaced: true,
        short_names: vec![],
        verbs: vec!["list".into(), "watch".into()],
    };
    vec![
        k("", "pods", "Pod"),
        k("apps", "deployments", "Deployment"),
        k("", "secrets", "Secret"),
    ]
}

const KEYS: &[(KeyCode, KeyModifiers)] = &[
    (KeyCode::Up, KeyModifiers::NONE),
    (KeyCode::Down, KeyModifiers::NONE),
    (KeyCode::Left, KeyModifiers::NONE),
    (KeyCode::Right, KeyModifiers::NONE),
    (KeyCode::PageUp, KeyModifiers::NONE),
    (KeyCode::PageDown, KeyModifiers::NONE),
    (KeyCode::Home, KeyModifiers::NONE),
    (KeyCode::End, KeyModifiers::NONE),
    (KeyCode::Enter, KeyModifiers::NONE),
    (KeyCode::Esc, KeyModifiers::NONE),
    (KeyCode::Backspace, KeyModifiers::NONE),
    (KeyCode::Delete, KeyModifiers::NONE),
    (KeyCode::Tab, KeyModifiers::NONE),
    (KeyCode::Char('s'), KeyModifiers::CONTROL),
    (KeyCode::Char('f'), KeyModifiers::CONTROL),
    (KeyCode::Char('g'), KeyModifiers::CONTROL),
    (KeyCode::Char('z'), KeyModifiers::CONTROL),
    (KeyCode::Char('r'), KeyModifiers::CONTROL),
    (KeyCode::Char('d'), KeyModifiers::CONTROL),
    (KeyCode::Char('w'), KeyModifiers::CONTROL),
    (KeyCode::F(3), KeyModifiers::NONE),
];

/// Printable keys, weighted towards the ones that open views and answer dialogs.
const CHARS: &str = "eEylvdjkgGhSrpf/:?0123nNyxmtwsJFq \t-#:[]{}'\"é中";

fn random_event(rng: &mut rand_chacha::ChaCha8Rng) -> AppEvent {
    match rng.random_range(0..20) {
        0 => AppEvent::Resize(rng.random_range(0..250), rng.random_range(0..80)),
        1 => AppEvent::Tick(jiff::Timestamp::now()),
        2..=8 => {
            let (code, mods) = KEYS[rng.random_range(0..KEYS.len())];
            AppEvent::Key(KeyEvent::new(code, mods))
        }
        _ => {
            let chars: Vec<char> = CHARS.chars().collect();
            let c = chars[rng.random_range(0..chars.len())];
            AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
        }
    }
}

fn rows(rng: &mut rand_chacha::ChaCha8Rng) -> Vec<Row> {
    let n = rng.random_range(0..8);
    (0..n)
        .map(|i| Row {
            namespace: "shop".into(),
            name: format!("obj-{}", rng.random_range(0..6) + i * 10).into(),
            uid: "".into(),
            created: None,
            deleting: rng.random_bool(0.1),
            cells: vec![format!("obj-{i}").into(), "Running".into()],
        })
        .collect()
}

fn object(rng: &mut rand_chacha::ChaCha8Rng, name: &str) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop",
                     "resourceVersion": rng.random_range(1..100).to_string()},
        "spec": {"replicas": rng.random_range(0..5), "template": {"spec": {"containers": [
            {"name": "app", "image": format!("nginx:1.{}", rng.random_range(20..28))}]}}},
        "status": {"replicas": 1}
    })
}

/// Answers an effect as the runtime might: successes, errors and conflicts at random.
fn answer(rng: &mut rand_chacha::ChaCha8Rng, effect: Effect) -> Option<AppEvent> {
    match effect {
        Effect::Fetch {
            view,
            name,
            purpose,
            ..
        } => Some(AppEvent::Fetched {
            view,
            result: match (rng.random_range(0..4), purpose) {
                (0, _) => Err(FetchFailure::of(
                    [Request::Object, Request::Events, Request::ReplicaSets]
                        [rng.random_range(0..3)],
                    ApiFailure::local("Transport", "boom"),
                )),
                (_, Purpose::Edit) => Ok(Fetched::Edit(object(rng, &name))),
                (_, Purpose::EditLatest) => Ok(Fetched::Latest(object(rng, &name))),
                (_, Purpose::Yaml) => Ok(Fetched::Object(object(rng, &name))),
                _ => Ok(Fetched::Text("line one\nline two\n\u{1b}[31mred".into())),
            },
        }),
        Effect::SendEdit {
            view,
            dry_run,
            object,
            ..
        } => Some(AppEvent::EditSent {
            view,
            dry_run,
            result: match rng.random_range(0..4) {
                0 => Err(tug_cluster::ApiFailure {
                    code: Some(409),
                    reason: String::new(),
                    message: "conflict".into(),
                }),
                1 => Err(tug_cluster::ApiFailure {
                    code: Some(422),
                    reason: String::new(),
                    message: "invalid".into(),
                }),
                _ => Ok(object),
            },
        }),
        Effect::ReadRecovery { view, .. } => Some(AppEvent::Fetched {
            view,
            result: Ok(Fetched::Recovered(rng.random_bool(0.2).then(|| {
                ("kind: Deployment\n\t: [".into(), jiff::Timestamp::now())
            }))),
        }),
        Effect::ExternalEdit { view, text } => Some(AppEvent::ExternalEdited {
            view,
            result: if rng.random_bool(0.5) {
                Ok(text.replace("replicas", "replicas: 3\n  x"))
            } else {
                Err("the editor failed".into())
            },
        }),
        Effect::Logs { buffer, .. } => {
            let mut b = buffer.lock().unwrap();
            for i in 0..rng.random_range(0..200) {
                b.push_raw(
                    0,
                    format!("line {i} {}", "x".repeat(i % 300)).as_bytes(),
                    false,
                );
            }
            None
        }
        Effect::Mutate(m) => Some(AppEvent::Mutated {
            mutation: Box::new(m),
            result: if rng.random_bool(0.5) {
                Ok(())
            } else {
                Err(ApiFailure {
                    code: Some(403),
                    reason: "Forbidden".into(),
                    message: "forbidden".into(),
                })
            },
        }),
        _ => None,
    }
}

fn check_invariants(app: &App) {
    assert!(!app.stack.is_empty(), "the view stack is never empty");
    for v in &app.stack {
        match &v.body {
            Body::Editor(e) => {
                let (row, col) = (e.area.cursor().0, e.area.cursor().1);
                let lines = e.area.lines();
                assert!(row < lines.len(), "editor row {row} of {}", lines.len());
                assert!(col <= lines[row].chars().count());
            }
            // Only the view on screen is kept current (`App::prepare`); the others catch up on top.
            b if std::ptr::eq(v, app.stack.last().unwrap()) => {
                if let Some(t) = b.table() {
                    assert!(
                        t.visible.is_empty() || t.cursor < t.visible.len(),
                        "table cursor {} of {}",
                        t.cursor,
                        t.visible.len()
                    );
                }
            }
            _ => {}
        }
    }
}

#[test]
fn random_keys_resizes_and_cluster_events_keep_the_invariants() {
    // Steps spent in an editor, a log, a text and a table view: each must have been exercised.
    let mut total = [0usize; 4];
    for seed in 0..6u64 {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut app = App::new(
            tug_cluster::connect::ClusterInfo::default(),
            Some("shop".into()),
            Some(["pods", "deployments", "secrets"][seed as usize % 3].into()),
            seed % 4 == 3,
        );
        let mut pending: Vec<Effect> = app.handle(AppEvent::Discovered(Ok(kinds())));
        let mut term = ratatui::Terminal::new(TestBackend::new(80, 24)).unwrap();
        let mut seen = [0usize; 4];
        for step in 0..2_000 {
            // Cluster changes: rows come and go in every table (the selected one too).
            if rng.random_bool(0.15) {
                for v in &app.stack {
                    if let Body::Table(t) = &v.body
                        && t.kind.is_some()
                    {
                        t.lock().replace_all(
                            vec![
                                Column {
                                    name: "Name".into(),
                                    kind: "string".into(),
                                    priority: 0,
                                },
                                Column {
                                    name: "Status".into(),
                                    kind: "string".into(),
                                    priority: 0,
                                },
                            ],
                            rows(&mut rng),
                        );
                    }
                }
                pending.extend(app.handle(AppEvent::Changed));
            }
            // The runtime answers some of what was asked, in any order, some of it late.
            let mut later = vec![];
            for effect in pending.drain(..) {
                if matches!(effect, Effect::Quit) {
                    continue;
                }
                if rng.random_bool(0.8) {
                    if let Some(ev) = answer(&mut rng, effect) {
                        later.extend(app.handle(ev));
                    }
                } else {
                    later.push(effect);
                }
            }
            pending = later;
            // Now and then the user leaves an editor for good (Esc, then yes), so every view gets its turn.
            if matches!(app.top().map(|v| &v.body), Some(Body::Editor(_))) && rng.random_bool(0.02)
            {
                pending.extend(app.handle(AppEvent::Key(KeyEvent::new(
                    KeyCode::Esc,
                    KeyModifiers::NONE,
                ))));
                pending.extend(app.handle(AppEvent::Key(KeyEvent::new(
                    KeyCode::Char('y'),
                    KeyModifiers::NONE,
                ))));
            }
            let event = random_event(&mut rng);
            // Quitting ends the run; keep going instead.
            if matches!(&event, AppEvent::Key(k) if k.code == KeyCode::Char('q') || k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL))
                && app.stack.len() <= 1
            {
                continue;
            }
            if let AppEvent::Resize(w, h) = event {
                term.backend_mut().resize(w.max(1), h.max(1));
            }
            pending.extend(app.handle(event));
            app.quit = false;
            app.prepare();
            term.draw(|f| crate::ui::render(&app, f))
                .unwrap_or_else(|e| panic!("seed {seed} step {step}: draw failed: {e}"));
            check_invariants(&app);
            match app.top().map(|v| &v.body) {
                Some(Body::Editor(_)) => seen[0] += 1,
                Some(Body::Log(_)) => seen[1] += 1,
                Some(Body::Text(_)) => seen[2] += 1,
                _ => seen[3] += 1,
            }
        }
        for (i, n) in seen.iter().enumerate() {
            total[i] += n;
        }
    }
    assert!(total.iter().all(|n| *n > 0), "views reached: {total:?}");
}
