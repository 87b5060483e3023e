//! The editor's flows, driven by keys and the runtime's answers as the runtime would deliver them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use super::*;
use crate::app::{AppEvent, Fetched};
use tug_cluster::connect::ClusterInfo;
use tug_model::table::{Column, Row};

fn deployments() -> Kind {
    Kind {
        group: "apps".into(),
        version: "v1".into(),
        plural: "deployments".into(),
        kind: "Deployment".into(),
        namespaced: true,
        short_names: vec!["deploy".into()],
        verbs: vec!["list".into(), "watch".into()],
    }
}

fn live(rv: &str, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "resourceVersion": rv, "uid": "u1",
                     "managedFields": [{"manager": "kube-controller-manager"}]},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "app", "image": image, "env": [{"name": "MODE", "value": "prod"}]}
        ]}}},
        "status": {"readyReplicas": 2}
    })
}

fn press(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    app.handle(AppEvent::Key(KeyEvent::new(code, mods)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

/// Finds `needle` with Ctrl-F and leaves the cursor at the end of its line.
fn go_to(app: &mut App, needle: &str) {
    ctrl(app, 'f');
    type_text(app, needle);
    press(app, KeyCode::Enter, KeyModifiers::NONE);
    press(app, KeyCode::End, KeyModifiers::NONE);
}

fn backspace(app: &mut App, n: usize) {
    for _ in 0..n {
        press(app, KeyCode::Backspace, KeyModifiers::NONE);
    }
}

fn set_replicas(app: &mut App, value: &str) {
    go_to(app, "replicas");
    backspace(app, 1);
    type_text(app, value);
}

/// Ctrl-S, the dry run passes, `y`: returns the effects of `y` (the PUT).
fn save_and_confirm(app: &mut App, view: ViewId) -> Vec<Effect> {
    let object = sent(&ctrl(app, 's')).expect("a dry run").0.clone();
    app.handle(AppEvent::EditSent {
        view,
        dry_run: true,
        result: Ok(object),
    });
    press(app, KeyCode::Char('y'), KeyModifiers::NONE)
}

fn editor(app: &App) -> &EditorView {
    match app.top().map(|v| &v.body) {
        Some(Body::Editor(e)) => e,
        _ => panic!("the top view is not an editor"),
    }
}

/// An app showing deployments with `web` selected, then `e` and the object read.
fn editing(readonly: bool, recovered: Option<(String, jiff::Timestamp)>) -> (App, ViewId) {
    let mut app = App::new(
        ClusterInfo::default(),
        Some("shop".into()),
        Some("deploy".into()),
        readonly,
    );
    app.handle(AppEvent::Discovered(Ok(vec![deployments()])));
    let Some(View {
        body: Body::Table(t),
        ..
    }) = app.top()
    else {
        panic!("no table")
    };
    t.lock().replace_all(
        vec![Column {
            name: "Name".into(),
            kind: "string".into(),
            priority: 0,
        }],
        vec![Row {
            namespace: "shop".into(),
            name: "web".into(),
            uid: "".into(),
            created: None,
            deleting: false,
            cells: vec!["web".into()],
        }],
    );
    app.prepare();
    let effects = app.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::Char('e'),
        KeyModifiers::NONE,
    )));
    let view = match edit_fetch(&effects) {
        Some((view, "web")) => view,
        _ => panic!("{effects:?}"),
    };
    // As the runtime answers: the recovery file at once, the object once the server has answered.
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Recovered(recovered)),
    });
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Edit(live("7", "nginx:1.26"))),
    });
    (app, view)
}

/// The view and name of the `Fetch` for an edit among `effects`.
fn edit_fetch(effects: &[Effect]) -> Option<(ViewId, &str)> {
    effects.iter().find_map(|e| match e {
        Effect::Fetch {
            view,
            purpose: Purpose::Edit,
            name,
            ..
        } => Some((*view, name.as_str())),
        _ => None,
    })
}

fn sent(effects: &[Effect]) -> Option<(&Value, bool)> {
    effects.iter().find_map(|e| match e {
        Effect::SendEdit {
            object, dry_run, ..
        } => Some((object, *dry_run)),
        _ => None,
    })
}

#[test]
fn the_buffer_hides_status_and_managed_fields() {
    let (app, _) = editing(false, None);
    let text = editor(&app).text();
    assert!(text.contains("replicas: 2"), "{text}");
    assert!(!text.contains("managedFields"));
    assert!(!text.contains("readyReplicas"));
    assert!(!text.contains("resourceVersion"));
}

#[test]
fn save_checks_with_a_dry_run_shows_the_diff_and_puts_with_the_resource_version() {
    let (mut app, view) = editing(false, None);
    set_replicas(&mut app, "5");
    go_to(&mut app, "value: prod");
    backspace(&mut app, 4);
    type_text(&mut app, "debug");
    let effects = ctrl(&mut app, 's');
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::SaveRecovery { text, .. } if text.contains("replicas: 5"))
        ),
        "every save attempt keeps the buffer: {effects:?}"
    );
    let (object, dry_run) = sent(&effects).expect("a dry run");
    assert!(dry_run);
    assert_eq!(object["spec"]["replicas"], 5);
    assert_eq!(
        object["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "debug"
    );
    assert_eq!(object["metadata"]["resourceVersion"], "7");
    let object = object.clone();
    app.handle(AppEvent::EditSent {
        view,
        dry_run: true,
        result: Ok(object),
    });
    let Stage::Confirm { diff, .. } = &editor(&app).stage else {
        panic!("no confirmation: {:?}", editor(&app).stage)
    };
    assert!(
        diff.contains(&DiffLine::Removed("  replicas: 2".into())),
        "{diff:?}"
    );
    assert!(diff.contains(&DiffLine::Added("  replicas: 5".into())));
    let effects = press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    let (object, dry_run) = sent(&effects).expect("the PUT");
    assert!(!dry_run);
    let object = object.clone();
    let effects = app.handle(AppEvent::EditSent {
        view,
        dry_run: false,
        result: Ok(object),
    });
    assert!(effects.iter().any(|e| matches!(e, Effect::DropRecovery(_))));
    assert!(!matches!(app.top().map(|v| &v.body), Some(Body::Editor(_))));
    assert!(app.flash.as_ref().unwrap().text.contains("saved"));
}

#[test]
fn a_yaml_error_names_line_and_column_moves_the_cursor_and_sends_nothing() {
    let (mut app, _) = editing(false, None);
    go_to(&mut app, "replicas");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    type_text(&mut app, " bad: 1");
    let effects = ctrl(&mut app, 's');
    assert!(sent(&effects).is_none(), "{effects:?}");
    let ed = editor(&app);
    let (message, error) = ed.message.clone().unwrap();
    assert!(error);
    assert!(
        message.contains("line") && message.contains("column"),
        "{message}"
    );
    // The cursor is on the reported line, and the buffer is kept.
    let line: usize = message
        .split("line ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap();
    assert_eq!(ed.area.cursor().0 + 1, line);
    assert!(
        ed.text().contains("replicas: 2\n   bad: 1"),
        "{}",
        ed.text()
    );
}

#[test]
fn changing_the_name_is_refused() {
    let (mut app, _) = editing(false, None);
    go_to(&mut app, "name: web");
    type_text(&mut app, "2");
    let effects = ctrl(&mut app, 's');
    assert!(sent(&effects).is_none());
    let (message, _) = editor(&app).message.clone().unwrap();
    assert!(
        message.contains("metadata.name cannot be changed"),
        "{message}"
    );
}

#[test]
fn a_conflict_reloads_and_reapplies_both_changes() {
    let (mut app, view) = editing(false, None);
    set_replicas(&mut app, "5");
    save_and_confirm(&mut app, view);
    let effects = app.handle(AppEvent::EditSent {
        view,
        dry_run: false,
        result: Err(tug_cluster::ApiFailure {
            code: Some(409),
            reason: String::new(),
            message: "the object has been modified".into(),
        }),
    });
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Fetch {
                purpose: Purpose::EditLatest,
                ..
            }
        )),
        "{effects:?}"
    );
    // Someone changed the image meanwhile.
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Latest(live("9", "nginx:1.27"))),
    });
    let Stage::Conflict {
        merged, changes, ..
    } = &editor(&app).stage
    else {
        panic!("{:?}", editor(&app).stage)
    };
    assert!(merged.is_ok());
    assert!(
        changes.contains(&DiffLine::Added("        image: nginx:1.27".into())),
        "{changes:?}"
    );
    let effects = press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE);
    let (object, dry_run) = sent(&effects).expect("the merged edit is checked again");
    assert!(dry_run);
    assert_eq!(object["spec"]["replicas"], 5);
    assert_eq!(
        object["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    assert_eq!(object["metadata"]["resourceVersion"], "9");
    assert!(editor(&app).text().contains("nginx:1.27"));
}

#[test]
fn a_conflict_on_the_status_alone_is_resent_without_asking() {
    let (mut app, view) = editing(false, None);
    set_replicas(&mut app, "3");
    save_and_confirm(&mut app, view);
    app.handle(AppEvent::EditSent {
        view,
        dry_run: false,
        result: Err(tug_cluster::ApiFailure {
            code: Some(409),
            reason: String::new(),
            message: "conflict".into(),
        }),
    });
    let mut newer = live("8", "nginx:1.26");
    newer["status"]["readyReplicas"] = json!(1);
    let effects = app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Latest(newer)),
    });
    let (object, dry_run) = sent(&effects).expect("re-sent");
    assert!(!dry_run, "the user already confirmed this diff");
    assert_eq!(object["metadata"]["resourceVersion"], "8");
    assert_eq!(object["spec"]["replicas"], 3);
}

#[test]
fn a_server_rejection_is_shown_and_the_buffer_kept() {
    let (mut app, view) = editing(false, None);
    set_replicas(&mut app, "-1");
    let _ = ctrl(&mut app, 's');
    app.handle(AppEvent::EditSent {
        view,
        dry_run: true,
        result: Err(tug_cluster::ApiFailure {
            code: Some(422),
            reason: String::new(),
            message: "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1".into(),
        }),
    });
    let ed = editor(&app);
    assert!(matches!(ed.stage, Stage::Editing));
    let (m, error) = ed.message.clone().unwrap();
    assert!(
        error && m.contains("spec.replicas: Invalid value: -1"),
        "{m}"
    );
    assert!(ed.text().contains("replicas: -1"));
}

#[test]
fn leaving_unsaved_asks_and_keeps_the_buffer_for_recovery() {
    let (mut app, _) = editing(false, None);
    go_to(&mut app, "replicas");
    type_text(&mut app, "0");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(matches!(editor(&app).stage, Stage::Leave));
    let effects = press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::SaveRecovery { text, .. } if text.contains("replicas: 20"))
        ),
        "{effects:?}"
    );
    assert!(!matches!(app.top().map(|v| &v.body), Some(Body::Editor(_))));
}

#[test]
fn an_unsaved_edit_found_on_disk_is_offered_back() {
    let saved = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 9\n";
    let (mut app, _) = editing(false, Some((saved.into(), jiff::Timestamp::now())));
    assert!(matches!(editor(&app).stage, Stage::Restore { .. }));
    press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE);
    assert!(editor(&app).text().contains("replicas: 9"));
    assert!(editor(&app).modified());
    assert_eq!(app.unsaved_edits().len(), 1);
}

#[test]
fn read_only_mode_opens_a_view_only_editor() {
    let (mut app, _) = editing(true, None);
    type_text(&mut app, "xyz");
    press(&mut app, KeyCode::Down, KeyModifiers::NONE);
    let effects = ctrl(&mut app, 's');
    assert!(sent(&effects).is_none());
    let ed = editor(&app);
    assert!(!ed.modified());
    assert_eq!(ed.area.cursor().0, 1);
    assert!(ed.message.as_ref().unwrap().0.contains("read-only"));
}

#[test]
fn an_emptied_buffer_cancels_the_edit() {
    let (mut app, _) = editing(false, None);
    let ed = match app.stack.last_mut().map(|v| &mut v.body) {
        Some(Body::Editor(e)) => e,
        _ => panic!(),
    };
    ed.set_text("# nothing\n");
    let effects = ctrl(&mut app, 's');
    assert!(sent(&effects).is_none());
    assert!(effects.iter().any(|e| matches!(e, Effect::DropRecovery(_))));
    assert!(app.flash.as_ref().unwrap().text.contains("cancelled"));
}

#[test]
fn create_posts_a_template() {
    let mut app = App::new(ClusterInfo::default(), Some("shop".into()), None, false);
    app.handle(AppEvent::Discovered(Ok(vec![deployments()])));
    press(&mut app, KeyCode::Char(':'), KeyModifiers::NONE);
    type_text(&mut app, "create deploy");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(editor(&app).text().contains("kind: Deployment"));
    let effects = ctrl(&mut app, 's');
    match effects
        .iter()
        .find(|e| matches!(e, Effect::SendEdit { .. }))
    {
        Some(Effect::SendEdit {
            name: None,
            namespace,
            dry_run: true,
            object,
            ..
        }) => {
            assert_eq!(namespace, "shop");
            assert_eq!(object["metadata"]["name"], "my-deployment");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_conflict_on_the_same_field_offers_overwrite_not_reapply() {
    let (mut app, view) = editing(false, None);
    go_to(&mut app, "image: nginx");
    backspace(&mut app, 4);
    type_text(&mut app, "1.25");
    let object = sent(&ctrl(&mut app, 's')).unwrap().0.clone();
    app.handle(AppEvent::EditSent {
        view,
        dry_run: true,
        result: Err(tug_cluster::ApiFailure {
            code: Some(409),
            reason: String::new(),
            message: "conflict".into(),
        }),
    });
    drop(object);
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Latest(live("9", "nginx:1.27"))),
    });
    let Stage::Conflict { merged, .. } = &editor(&app).stage else {
        panic!("{:?}", editor(&app).stage)
    };
    assert_eq!(
        merged.clone().unwrap_err(),
        vec!["spec.template.spec.containers[name=app].image".to_string()]
    );
    // `r` does nothing here; `o` overwrites (checked again against the newer version).
    assert!(sent(&press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE)).is_none());
    let (object, dry_run) = sent(&press(&mut app, KeyCode::Char('o'), KeyModifiers::NONE))
        .map(|(o, d)| (o.clone(), d))
        .unwrap();
    assert!(dry_run);
    assert_eq!(object["metadata"]["resourceVersion"], "9");
    assert_eq!(
        object["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.25"
    );
}

#[test]
fn the_editor_renders_line_numbers_colours_and_the_diff() {
    use ratatui::backend::TestBackend;
    let (mut app, view) = editing(false, None);
    app.size = (60, 14);
    app.prepare();
    let mut term = ratatui::Terminal::new(TestBackend::new(60, 14)).unwrap();
    term.draw(|f| crate::ui::render(&app, f)).unwrap();
    let text: String = term
        .backend()
        .buffer()
        .content()
        .chunks(60)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect();
    assert!(text.contains("edit deployments.apps/web"), "{text}");
    assert!(text.contains(" 1 apiVersion: apps/v1"), "{text}");
    assert!(text.contains("Ctrl-S save"), "{text}");
    set_replicas(&mut app, "5");
    let object = sent(&ctrl(&mut app, 's')).unwrap().0.clone();
    app.handle(AppEvent::EditSent {
        view,
        dry_run: true,
        result: Ok(object),
    });
    app.prepare();
    term.draw(|f| crate::ui::render(&app, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let row = (0..14u16)
        .find(|y| {
            (0..60u16)
                .map(|x| buf[(x, *y)].symbol().to_string())
                .collect::<String>()
                .starts_with("+  replicas: 5")
        })
        .expect("the added line is shown");
    assert_eq!(buf[(0, row)].fg, app.theme.style("diff_added").fg.unwrap());
}

#[test]
fn go_to_line_scrolls_the_line_into_view_with_the_cursor_on_it() {
    use ratatui::backend::TestBackend;
    let (mut app, _) = editing(false, None);
    let long: String = (0..100).map(|i| format!("# comment {i}\n")).collect();
    match app.stack.last_mut().map(|v| &mut v.body) {
        Some(Body::Editor(e)) => e.set_text(&format!("{}{long}", e.text())),
        _ => panic!(),
    }
    app.size = (80, 24);
    ctrl(&mut app, 'g');
    type_text(&mut app, "110");
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(editor(&app).area.cursor().0, 109);
    app.prepare();
    let mut term = ratatui::Terminal::new(TestBackend::new(80, 24)).unwrap();
    term.draw(|f| crate::ui::render(&app, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let row = (0..24u16)
        .find(|y| {
            (0..80u16)
                .map(|x| buf[(x, *y)].symbol().to_string())
                .collect::<String>()
                .starts_with("110 ")
        })
        .expect("line 110 is on screen");
    // The cursor (reversed) is on its first character, and the status line is below it.
    let cursor = app.theme.style("cursor");
    assert!(buf[(4, row)].modifier.contains(cursor.add_modifier));
    // Scrolled just enough: it is the last text row, right above the status line (row 22).
    assert_eq!(row, 21);
}

#[test]
fn e_in_the_yaml_of_an_object_edits_it() {
    let (mut app, _) = editing(false, None);
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(matches!(app.top().map(|v| &v.body), Some(Body::Table(_))));
    let effects = press(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Fetch {
            purpose: Purpose::Yaml,
            ..
        }]
    ));
    let effects = press(&mut app, KeyCode::Char('e'), KeyModifiers::NONE);
    let edit = effects.iter().find(|e| {
        matches!(
            e,
            Effect::Fetch {
                purpose: Purpose::Edit,
                ..
            }
        )
    });
    match edit {
        Some(Effect::Fetch {
            namespace, name, ..
        }) => assert_eq!((namespace.as_str(), name.as_str()), ("shop", "web")),
        _ => panic!("{effects:?}"),
    }
    assert!(matches!(app.top().map(|v| &v.body), Some(Body::Editor(_))));
}

#[test]
fn create_offers_back_a_new_object_left_unsaved_before() {
    let mut app = App::new(ClusterInfo::default(), Some("shop".into()), None, false);
    app.handle(AppEvent::Discovered(Ok(vec![deployments()])));
    press(&mut app, KeyCode::Char(':'), KeyModifiers::NONE);
    type_text(&mut app, "create deploy");
    let effects = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let view = match effects.as_slice() {
        [Effect::ReadRecovery { view, key }] => {
            assert_eq!(
                (key.kind.as_str(), key.name.as_str()),
                ("Deployment", "(new)")
            );
            *view
        }
        other => panic!("{other:?}"),
    };
    let saved = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: half-done\n";
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Recovered(Some((
            saved.into(),
            jiff::Timestamp::now(),
        )))),
    });
    assert!(matches!(editor(&app).stage, Stage::Restore { .. }));
    press(&mut app, KeyCode::Char('r'), KeyModifiers::NONE);
    assert!(editor(&app).text().contains("name: half-done"));
}

#[test]
fn an_unsaved_edit_in_a_tab_not_on_screen_is_still_kept_for_recovery() {
    let (mut app, _) = editing(false, None);
    set_replicas(&mut app, "7");
    assert_eq!(app.unsaved_edits().len(), 1);
    app.tab_new();
    assert!(!matches!(app.top().map(|v| &v.body), Some(Body::Editor(_))));
    assert_eq!(app.unsaved_edits().len(), 1);
}
