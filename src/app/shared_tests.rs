//! Shared watches: equal table views hold one watch and one store, wherever they are; the watch stops with
//! the last of them.

use std::sync::Arc;

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

fn store(app: &App) -> Arc<std::sync::Mutex<tug_model::table::TableData>> {
    app.top().and_then(|v| v.body.table()).unwrap().data.clone()
}

#[test]
fn two_tabs_on_the_same_pods_hold_one_watch_and_read_one_store() {
    let (mut app, effects) = app();
    let [Effect::Watch { view: watch, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    let (watch, first) = (*watch, app.top().map(|v| v.id));
    // The runtime knows the watch by its own id, so the first view may close before the others.
    assert_ne!(Some(watch), first);
    fill(&app, &["web-1", "web-2"]);
    let one = store(&app);
    assert!(ctrl_t(&mut app, 'n').is_empty());
    assert!(Arc::ptr_eq(&one, &store(&app)));
    assert_eq!(app.shared.watches(), 1);
    // Each tab filters the shared rows on its own.
    typed(&mut app, "/web-2");
    app.prepare();
    assert_eq!(
        app.top()
            .and_then(|v| v.body.table())
            .unwrap()
            .visible
            .len(),
        1
    );
    ctrl_t(&mut app, '1');
    app.prepare();
    assert_eq!(
        app.top()
            .and_then(|v| v.body.table())
            .unwrap()
            .visible
            .len(),
        2
    );
    // Another namespace is another watch.
    let effects = typed(&mut app, ":ns kube-system");
    assert!(
        matches!(&effects[..], [Effect::Watch { scope, .. }] if scope.namespace.as_deref() == Some("kube-system")),
        "{effects:?}"
    );
    assert_eq!(app.shared.watches(), 2);
    // Back to shop's pods: the second tab's watch again, no new one.
    assert!(
        typed(&mut app, ":ns shop")
            .iter()
            .all(|e| !matches!(e, Effect::Watch { .. }))
    );
    assert!(Arc::ptr_eq(&one, &store(&app)));
}

#[test]
fn the_watch_stops_with_the_last_view_reading_it() {
    let (mut app, effects) = app();
    let [Effect::Watch { view: watch, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    let watch = *watch;
    ctrl_t(&mut app, 'n');
    // The first tab (the one that started the watch) closes: the watch keeps running for the second.
    ctrl_t(&mut app, '1');
    assert!(ctrl_t(&mut app, 'c').is_empty());
    assert_eq!(app.shared.watches(), 1);
    // The last reader goes: the watch stops.
    let effects = typed(&mut app, ":deploy");
    assert!(
        matches!(&effects[..], [Effect::Unwatch(id), Effect::Watch { kind, .. }] if *id == watch && kind.plural == "deployments"),
        "{effects:?}"
    );
    assert_eq!(app.shared.watches(), 1);
}

#[test]
fn a_label_selector_restarts_only_that_views_watch() {
    let (mut app, _) = app();
    ctrl_t(&mut app, 'n');
    let effects = typed(&mut app, "/-l app=web");
    // The other tab still reads the unselected pods: nothing stops, one watch starts.
    assert!(
        matches!(&effects[..], [Effect::Watch { scope, .. }] if scope.label_selector.as_deref() == Some("app=web")),
        "{effects:?}"
    );
    assert_eq!(app.shared.watches(), 2);
}
