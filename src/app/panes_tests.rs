//! Split panes: each pane its own stack; focus, swap, resize, close; a split too small is refused; a log pane
//! follows the pod selected in the other pane.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{app, fill, key, typed};
use super::*;

fn ctrl_t(app: &mut App, then: char) -> Vec<Effect> {
    let mut effects = app.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::Char('t'),
        KeyModifiers::CONTROL,
    )));
    effects.extend(app.handle(key(then)));
    effects
}

fn sized(w: u16, h: u16) -> App {
    let (mut app, _) = app();
    app.handle(AppEvent::Resize(w, h));
    app
}

fn flash(app: &App) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_split_too_small_is_refused_with_the_reason() {
    let mut app = sized(80, 24);
    assert!(ctrl_t(&mut app, 'v').is_empty());
    assert!(app.split_shown().is_none());
    assert!(
        flash(&app).contains("too small to split side by side at 80x24"),
        "{}",
        flash(&app)
    );
    // Stacked fits at 80x24: each pane keeps its title, column header and more than 5 rows.
    ctrl_t(&mut app, 's');
    let (split, sizes) = app.split_shown().expect("split");
    assert_eq!(split, tabs::Split::Down);
    assert!(
        sizes.iter().all(|(_, h)| tabs::page_of(*h) >= 5),
        "{sizes:?}"
    );
    assert_eq!(app.page(), tabs::page_of(sizes[1].1));
    // Too short for two stacked panes.
    let mut small = sized(120, 14);
    ctrl_t(&mut small, 's');
    assert!(small.split_shown().is_none());
    assert!(flash(&small).contains("too small"));
}

#[test]
fn panes_keep_their_own_stacks_and_focus_swap_resize_close() {
    let mut app = sized(160, 40);
    ctrl_t(&mut app, 'v');
    assert!(app.split_shown().is_some());
    assert_eq!(app.workspace.tabs[0].focus, 1);
    typed(&mut app, ":deploy");
    ctrl_t(&mut app, 'o');
    assert_eq!(app.top().map(|v| v.title.as_str()), Some("pods"));
    let other = app
        .other_pane()
        .and_then(|(p, _, _)| p.stack.last())
        .map(|v| v.title.clone());
    assert_eq!(other.as_deref(), Some("deployments.apps"));
    // Grow the focused (left) pane; swap keeps the focus on the pods.
    let before = app.split_shown().unwrap().1[0].0;
    ctrl_t(&mut app, '>');
    assert!(app.split_shown().unwrap().1[0].0 > before);
    ctrl_t(&mut app, 'r');
    assert_eq!(app.workspace.tabs[0].focus, 1);
    assert_eq!(app.top().map(|v| v.title.as_str()), Some("pods"));
    // Closing the focused pane stops its watch (the pods' share is its alone now); the other takes the tab.
    let effects = ctrl_t(&mut app, 'x');
    assert!(matches!(&effects[..], [Effect::Unwatch(_)]), "{effects:?}");
    assert!(app.split_shown().is_none());
    assert_eq!(
        app.top().map(|v| v.title.as_str()),
        Some("deployments.apps")
    );
    assert_eq!(app.workspace.tabs[0].panes.len(), 1);
}

#[test]
fn a_log_pane_follows_the_pod_selected_in_the_other_pane() {
    let mut app = sized(160, 40);
    fill(&app, &["web-1", "web-2", "web-3"]);
    app.prepare();
    // Split; logs of the selected pod in the new (right) pane, then focus back on the list.
    ctrl_t(&mut app, 'v');
    app.prepare();
    let effects = app.handle(key('l'));
    assert!(
        matches!(&effects[..], [Effect::Logs { target, .. }] if target.pods == tug_cluster::logs::PodSet::One("web-1".into())),
        "{effects:?}"
    );
    ctrl_t(&mut app, 'o');
    app.prepare();
    let effects = app.handle(key('j'));
    let [Effect::Logs { view, target, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(target.pods, tug_cluster::logs::PodSet::One("web-2".into()));
    let log = app
        .other_pane()
        .and_then(|(p, _, _)| p.stack.last())
        .unwrap();
    assert_eq!(log.id, *view);
    assert_eq!(log.title, "logs/web-2");
    // Nothing more while the cursor stays; off, the log stays where it is.
    assert!(app.handle(key('?')).is_empty());
    app.handle(code_esc());
    ctrl_t(&mut app, 'f');
    assert!(app.handle(key('j')).is_empty());
}

fn code_esc() -> AppEvent {
    AppEvent::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))
}
