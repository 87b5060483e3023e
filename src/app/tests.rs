//! App transitions, driven by events as the runtime would deliver them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use tug_model::table::{Column, Row};

fn kind(group: &str, plural: &str, k: &str, short: &[&str], namespaced: bool) -> Kind {
    Kind {
        group: group.into(),
        version: "v1".into(),
        plural: plural.into(),
        kind: k.into(),
        namespaced,
        short_names: short.iter().map(|s| s.to_string()).collect(),
        verbs: vec!["list".into(), "watch".into()],
    }
}

pub(super) fn kinds() -> Vec<Kind> {
    vec![
        kind("", "pods", "Pod", &["po"], true),
        kind("", "nodes", "Node", &["no"], false),
        kind("apps", "deployments", "Deployment", &["deploy"], true),
    ]
}

pub(super) fn key(c: char) -> AppEvent {
    AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub(super) fn code(c: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

pub(super) fn app() -> (App, Vec<Effect>) {
    let mut app = App::new(ClusterInfo::default(), Some("shop".into()), None, false);
    let effects = app.handle(AppEvent::Discovered(Ok(kinds())));
    (app, effects)
}

pub(super) fn fill(app: &App, names: &[&str]) {
    let Some(t) = app.top().and_then(|v| v.body.table()) else {
        panic!("not a table")
    };
    let rows = names
        .iter()
        .map(|n| Row {
            namespace: "shop".into(),
            name: (*n).into(),
            uid: "".into(),
            created: None,
            deleting: false,
            cells: vec![(*n).into()],
        })
        .collect();
    t.lock().replace_all(
        vec![Column {
            name: "Name".into(),
            kind: "string".into(),
            priority: 0,
        }],
        rows,
    );
}

pub(super) fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = vec![];
    for c in text.chars() {
        effects.extend(app.handle(key(c)));
    }
    effects.extend(app.handle(code(KeyCode::Enter)));
    effects
}

fn selected(app: &App) -> Option<String> {
    app.top()?
        .body
        .table()
        .and_then(|t| t.selected_row())
        .map(|k| k.1.to_string())
}

#[test]
fn discovery_opens_pods_in_the_namespace() {
    let (app, effects) = app();
    assert!(
        matches!(&effects[..], [Effect::Watch { kind, scope, .. }] if kind.plural == "pods" && scope.namespace.as_deref() == Some("shop"))
    );
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn colon_commands_switch_kinds_and_namespaces() {
    let (mut app, _) = app();
    let effects = typed(&mut app, ":deploy");
    assert!(matches!(&effects[0], Effect::Unwatch(_)));
    assert!(matches!(&effects[1], Effect::Watch { kind, .. } if kind.plural == "deployments"));
    let effects = typed(&mut app, ":ns kube-system");
    assert!(
        matches!(&effects[1], Effect::Watch { kind, scope, .. } if kind.plural == "deployments" && scope.namespace.as_deref() == Some("kube-system"))
    );
    let effects = app.handle(key('0'));
    assert!(matches!(&effects[1], Effect::Watch { scope, .. } if scope.namespace.is_none()));
    let effects = typed(&mut app, ":no");
    assert!(
        matches!(&effects[1], Effect::Watch { kind, scope, .. } if kind.plural == "nodes" && scope.namespace.is_none())
    );
    // Unknown: a message, nothing else changes.
    let before = app.stack.len();
    let effects = typed(&mut app, ":bogus");
    assert!(effects.is_empty());
    assert_eq!(app.stack.len(), before);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("bogus"))
    );
}

#[test]
fn filter_narrows_rows_and_esc_clears_it() {
    let (mut app, _) = app();
    fill(&app, &["frontend-1", "frontend-2", "redis-1"]);
    app.prepare();
    typed(&mut app, "/front");
    app.prepare();
    let Some(View {
        body: Body::Table(t),
        ..
    }) = app.top()
    else {
        panic!()
    };
    assert_eq!(t.visible.len(), 2);
    typed(&mut app, "/!front");
    app.prepare();
    assert_eq!(selected(&app).as_deref(), Some("redis-1"));
    app.handle(code(KeyCode::Esc));
    app.prepare();
    let Some(View {
        body: Body::Table(t),
        ..
    }) = app.top()
    else {
        panic!()
    };
    assert_eq!(t.visible.len(), 3);
    assert_eq!(
        app.stack.len(),
        1,
        "Esc cleared the filter, did not pop the root"
    );
}

#[test]
fn cursor_stays_on_its_object_and_within_bounds() {
    let (mut app, _) = app();
    fill(&app, &["a", "b", "c"]);
    app.prepare();
    app.handle(key('j'));
    app.handle(key('j'));
    app.prepare();
    assert_eq!(selected(&app).as_deref(), Some("c"));
    // A row before it appears: the cursor follows "c".
    fill(&app, &["0", "a", "b", "c"]);
    app.prepare();
    assert_eq!(selected(&app).as_deref(), Some("c"));
    // Its object is deleted: the cursor stays in bounds.
    fill(&app, &["0"]);
    app.prepare();
    assert_eq!(selected(&app).as_deref(), Some("0"));
    fill(&app, &[]);
    app.prepare();
    assert_eq!(selected(&app), None);
    app.handle(key('G'));
    app.handle(key('k'));
}

#[test]
fn enter_fetches_and_a_drill_down_pushes_a_pod_view_esc_pops_it() {
    let (mut app, _) = app();
    typed(&mut app, ":deploy");
    fill(&app, &["frontend"]);
    app.prepare();
    let effects = app.handle(code(KeyCode::Enter));
    let Some(Effect::Fetch {
        view,
        name,
        purpose: Purpose::DrillDown,
        ..
    }) = effects.into_iter().next()
    else {
        panic!()
    };
    assert_eq!(name, "frontend");
    let scope = Scope {
        namespace: Some("shop".into()),
        label_selector: Some("app=frontend".into()),
        field_selector: None,
    };
    let effects = app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Drill {
            target: DrillDown::Pods(scope.clone()),
            object: serde_json::json!({"metadata": {"name": "frontend"}}),
        }),
    });
    assert!(
        matches!(&effects[..], [Effect::Watch { kind, scope: s, .. }] if kind.plural == "pods" && *s == scope)
    );
    assert_eq!(app.stack.len(), 2);
    let effects = app.handle(code(KeyCode::Esc));
    assert!(matches!(&effects[..], [Effect::Unwatch(_)]));
    assert_eq!(app.stack.len(), 1);
    // Root: Esc does not pop the last view; q quits.
    assert!(app.handle(code(KeyCode::Esc)).is_empty());
    assert!(matches!(&app.handle(key('q'))[..], [Effect::Quit]));
}

#[test]
fn enter_on_a_node_opens_its_pods_at_once_without_fetching_the_node() {
    let (mut app, _) = app();
    typed(&mut app, ":nodes");
    fill(&app, &["node-1"]);
    app.prepare();
    let effects = app.handle(code(KeyCode::Enter));
    let scope = Scope {
        namespace: None,
        label_selector: None,
        field_selector: Some("spec.nodeName=node-1".into()),
    };
    assert!(
        matches!(&effects[..], [Effect::Watch { kind, scope: s, .. }] if kind.plural == "pods" && *s == scope),
        "{effects:?}"
    );
    assert_eq!(app.stack.len(), 2);
    assert_eq!(app.stack[1].title, "nodes/node-1");
}

#[test]
fn yaml_opens_a_text_view_filled_when_fetched_and_stale_answers_are_dropped() {
    let (mut app, _) = app();
    fill(&app, &["web-1"]);
    app.prepare();
    let effects = app.handle(key('y'));
    let Some(Effect::Fetch {
        view,
        purpose: Purpose::Yaml,
        ..
    }) = effects.into_iter().next()
    else {
        panic!()
    };
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Text("kind: Pod\n".into())),
    });
    let Some(View {
        body: Body::Text(t),
        ..
    }) = app.top()
    else {
        panic!()
    };
    assert_eq!(t.lines, ["kind: Pod"]);
    app.handle(code(KeyCode::Esc));
    // An answer for a closed view changes nothing.
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Text("late".into())),
    });
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn random_input_never_panics_or_empties_the_stack() {
    use rand::{RngExt, SeedableRng};
    let (mut app, _) = app();
    fill(&app, &["a", "b", "c", "d"]);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let keys = [
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Backspace,
        KeyCode::Tab,
        KeyCode::Char('/'),
        KeyCode::Char(':'),
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Char('y'),
        KeyCode::Char('d'),
        KeyCode::Char('x'),
        KeyCode::Char('?'),
        KeyCode::Char('0'),
    ];
    for i in 0..5_000 {
        let event = match rng.random_range(0..10) {
            0 => AppEvent::Resize(rng.random_range(0..300), rng.random_range(0..100)),
            1 => {
                let n = rng.random_range(0..6);
                let names: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
                if app.top().is_some_and(|v| v.body.table().is_some()) {
                    fill(&app, &names.iter().map(String::as_str).collect::<Vec<_>>());
                }
                AppEvent::Changed
            }
            _ => code(keys[rng.random_range(0..keys.len())]),
        };
        if matches!(
            event,
            AppEvent::Key(KeyEvent {
                code: KeyCode::Char('q'),
                ..
            })
        ) {
            continue;
        }
        for effect in app.handle(event) {
            if let Effect::Fetch { view, .. } = effect {
                app.handle(AppEvent::Fetched {
                    view,
                    result: Err(crate::app::wording::FetchFailure::of(
                        crate::app::wording::Request::Object,
                        tug_cluster::ApiFailure::local("Transport", format!("boom {i}")),
                    )),
                });
            }
        }
        app.prepare();
        assert!(!app.stack.is_empty());
        if let Some(t) = app.top().and_then(|v| v.body.table()) {
            assert!(t.visible.is_empty() || t.cursor < t.visible.len());
        }
    }
}

#[test]
fn regex_filters_match_case_insensitively_and_bad_patterns_are_reported() {
    let (mut app, _) = app();
    fill(&app, &["frontend-1", "frontend-22", "redis-1"]);
    app.prepare();
    typed(&mut app, "/re:^FRONT.*-\\d$");
    app.prepare();
    let Some(View {
        body: Body::Table(t),
        ..
    }) = app.top()
    else {
        panic!()
    };
    assert_eq!(t.visible.len(), 1);
    typed(&mut app, "/re:([");
    app.prepare();
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("bad regular expression"))
    );
    let Some(View {
        body: Body::Table(t),
        ..
    }) = app.top()
    else {
        panic!()
    };
    assert_eq!(
        t.visible.len(),
        1,
        "a bad pattern leaves the filter as it was"
    );
}

#[test]
fn sort_by_any_column_numerically_and_user_aliases_expand() {
    let (mut app, _) = app();
    let Some(View {
        body: Body::Table(t),
        ..
    }) = app.top()
    else {
        panic!()
    };
    let row = |n: &str, restarts: &str| Row {
        namespace: "shop".into(),
        name: n.into(),
        uid: "".into(),
        created: None,
        deleting: false,
        cells: vec![n.into(), restarts.into()],
    };
    let col = |n: &str| Column {
        name: n.into(),
        kind: "string".into(),
        priority: 0,
    };
    t.lock().replace_all(
        vec![col("Name"), col("Restarts")],
        vec![row("a", "10"), row("b", "9"), row("c", "2 (3m ago)")],
    );
    typed(&mut app, ":sort restarts desc");
    app.prepare();
    let Some(View {
        body: Body::Table(t),
        ..
    }) = app.top()
    else {
        panic!()
    };
    let order: Vec<String> = t.visible_keys().iter().map(|k| k.1.to_string()).collect();
    assert_eq!(order, ["a", "b", "c"]);
    typed(&mut app, ":sort nope");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("no column"))
    );

    app.aliases.insert("sys".into(), "ns kube-system".into());
    let effects = typed(&mut app, ":sys");
    assert!(effects.iter().any(|e| matches!(e, Effect::Watch { scope, .. } if scope.namespace.as_deref() == Some("kube-system"))));
}

#[test]
fn l_opens_pod_logs_and_p_restarts_the_stream_on_the_previous_container() {
    let (mut app, _) = app();
    fill(&app, &["payments-1"]);
    app.prepare();
    let effects = app.handle(key('l'));
    let Some(Effect::Logs { view, target, .. }) = effects.into_iter().next() else {
        panic!("no logs effect")
    };
    assert_eq!(target.pods, PodSet::One("payments-1".into()));
    assert!(!target.previous);
    let effects = app.handle(key('p'));
    assert!(
        matches!(&effects[..], [Effect::Unwatch(v), Effect::Logs { view: w, target, .. }] if *v == view && *w == view && target.previous)
    );
    // Scrolling pauses following; End resumes.
    app.handle(key('k'));
    let Some(View {
        body: Body::Log(l), ..
    }) = app.top()
    else {
        panic!()
    };
    assert!(!l.follow);
    app.handle(key('G'));
    let Some(View {
        body: Body::Log(l), ..
    }) = app.top()
    else {
        panic!()
    };
    assert!(l.follow);
    assert!(matches!(&app.handle(code(KeyCode::Esc))[..], [Effect::Unwatch(v)] if *v == view));
}

#[test]
fn p_on_a_deployment_asks_the_server_whether_it_is_paused() {
    let (mut app, _) = app();
    typed(&mut app, ":deploy");
    fill(&app, &["web"]);
    app.prepare();
    let effects = app.handle(key('p'));
    assert!(
        matches!(
            &effects[..],
            [Effect::Fetch {
                purpose: Purpose::Pause,
                ..
            }]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_read_only_context_from_the_settings_applies_on_start_and_on_switch() {
    let settings = crate::config::Settings {
        readonly_contexts: vec!["prod".into()],
        ..Default::default()
    };
    let config = crate::config::Config {
        keymap: crate::config::Keymap::default_keymap(),
        theme: crate::config::Theme::default(),
        settings,
        customs: vec![],
        views: Default::default(),
        errors: vec![],
    };
    let info = ClusterInfo {
        context: "prod".into(),
        ..Default::default()
    };
    let app = App::new(info, None, None, false).with_config(config);
    assert!(app.readonly);
}

#[test]
fn declared_forwards_start_on_discovery_except_in_read_only_mode() {
    let settings = crate::config::Settings::parse(
        "port_forwards: { \"tug-*\": [ { target: deploy/redis, remote: 6379 }, { target: svc/web, namespace: shop, local: 8080, remote: 80 } ] }\n",
    )
    .unwrap();
    let start = |readonly: bool| {
        let config = crate::config::Config {
            keymap: crate::config::Keymap::default_keymap(),
            theme: crate::config::Theme::default(),
            settings: settings.clone(),
            customs: vec![],
            views: Default::default(),
            errors: vec![],
        };
        let info = ClusterInfo {
            context: "tug-sim".into(),
            namespace: "default".into(),
            ..Default::default()
        };
        let mut app = App::new(info, None, None, readonly).with_config(config);
        let effects = app.handle(AppEvent::Discovered(Ok(kinds())));
        let forwards: Vec<(String, String, String, u16, u16)> = effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::DeclaredForward {
                    kind,
                    namespace,
                    name,
                    local,
                    remote,
                    ..
                } => Some((kind.plural, namespace, name, local.port(), remote)),
                _ => None,
            })
            .collect();
        (app, forwards)
    };
    let (app, forwards) = start(false);
    assert_eq!(
        forwards,
        [(
            "deployments".into(),
            "default".into(),
            "redis".into(),
            0,
            6379
        )],
        "svc is not among this test's kinds: a flash says so"
    );
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("cannot forward svc/web"))
    );
    let (_, forwards) = start(true);
    assert!(forwards.is_empty(), "read-only mode refuses forwards");
}

#[test]
fn a_table_filters_as_the_filter_is_typed_and_esc_in_the_prompt_restores_it() {
    let (mut app, _) = app();
    fill(&app, &["frontend-1", "frontend-2", "redis-1"]);
    app.prepare();
    let visible = |app: &mut App| {
        app.prepare();
        match app.top().map(|v| &v.body) {
            Some(Body::Table(t)) => t.visible.len(),
            _ => panic!("not a table"),
        }
    };
    app.handle(key('/'));
    app.handle(key('r'));
    assert_eq!(visible(&mut app), 3, "every name has an r");
    app.handle(key('e'));
    app.handle(key('d'));
    assert_eq!(visible(&mut app), 1, "only redis-1 has 'red'");
    for _ in 0..3 {
        app.handle(code(KeyCode::Backspace));
    }
    assert_eq!(visible(&mut app), 3);
    // A server-side selector waits for Enter; so does a regex that does not parse yet.
    app.handle(code(KeyCode::Esc));
    assert_eq!(visible(&mut app), 3);
    typed(&mut app, "/front");
    assert_eq!(visible(&mut app), 2, "Enter keeps the filter");
    app.handle(key('/'));
    for c in "re:red(".chars() {
        app.handle(key(c));
    }
    assert_eq!(
        visible(&mut app),
        1,
        "an unfinished regex keeps the last good filter (re:red)"
    );
    app.handle(code(KeyCode::Esc));
    assert_eq!(
        visible(&mut app),
        2,
        "Esc in the prompt puts back the filter it had"
    );
}

#[test]
fn a_log_searches_as_the_search_is_typed_and_esc_puts_back_the_previous_one() {
    let (mut app, _) = app();
    fill(&app, &["payments-1"]);
    app.prepare();
    let Some(Effect::Logs { buffer, .. }) = app.handle(key('l')).into_iter().next() else {
        panic!("no logs effect")
    };
    {
        let mut b = buffer.lock().unwrap();
        for i in 0..100 {
            let text = if i == 40 { "ERROR disk full" } else { "ok" };
            b.push_raw(0, format!("line {i} {text}").as_bytes(), false);
        }
    }
    let search = |app: &App| match app.top().map(|v| &v.body) {
        Some(Body::Log(l)) => (l.search.as_ref().map(|f| f.display()), l.follow),
        _ => panic!("not a log"),
    };
    typed(&mut app, "/line");
    assert_eq!(search(&app).0.as_deref(), Some("line"));
    app.handle(key('/'));
    for c in "disk".chars() {
        app.handle(key(c));
    }
    // Found while typing: following stops at the match.
    assert_eq!(search(&app), (Some("disk".to_string()), false));
    app.handle(code(KeyCode::Esc));
    assert_eq!(search(&app).0.as_deref(), Some("line"));
}

#[test]
fn a_protected_context_caps_bulk_deletes_and_asks_the_count_within_the_cap() {
    let (mut app, _) = app();
    app.guardrails = guard::Guardrails {
        protected: true,
        bulk_limit: 2,
        denied: vec![],
    };
    fill(&app, &["a", "b", "c"]);
    app.prepare();
    let ctrl_d = AppEvent::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL));
    for _ in 0..3 {
        app.handle(key(' '));
    }
    assert!(app.handle(ctrl_d).is_empty());
    assert_eq!(app.mode, Mode::Normal);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("at most 2 objects"))
    );
    // Two marked: within the cap, but the count must be typed; a yes is just a letter.
    app.handle(key(' '));
    let ctrl_d = AppEvent::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL));
    app.handle(ctrl_d);
    assert!(
        matches!(&app.mode, Mode::Dialog(d) if matches!(**d, actions::Dialog::TypeName { ref expected, .. } if expected == "2"))
    );
    assert!(app.handle(key('y')).is_empty());
    app.handle(code(KeyCode::Backspace));
    app.handle(key('2'));
    let effects = app.handle(code(KeyCode::Enter));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Mutate(_)))
            .count(),
        2
    );
}
