//! Tabs: each keeps its own views, namespace and filter; opening, switching and closing start and stop the
//! right watches; answers for a view in another tab reach it there.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{app, code, fill, key, typed};
use super::*;

fn ctrl_t(app: &mut App, then: char) -> Vec<Effect> {
    let mut effects = app.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::Char('t'),
        KeyModifiers::CONTROL,
    )));
    effects.extend(app.handle(key(then)));
    effects
}

fn titles(app: &App) -> Vec<String> {
    app.tab_names().into_iter().map(|(n, _)| n).collect()
}

fn filter_of(app: &App) -> String {
    app.top()
        .and_then(|v| v.body.table())
        .map(|t| t.filter.display())
        .unwrap_or_default()
}

#[test]
fn a_new_tab_copies_the_view_and_each_tab_keeps_its_own_filter_and_namespace() {
    let (mut app, _) = app();
    typed(&mut app, "/web");
    assert_eq!(app.tab_bar_rows(), 0);
    // The copy reads the same pods: it shares the first tab's watch (see `shared_tests`).
    assert!(ctrl_t(&mut app, 'n').is_empty());
    let t = app.top().and_then(|v| v.body.table()).unwrap();
    assert!(t.kind.as_ref().is_some_and(|k| k.plural == "pods"));
    assert_eq!(t.scope.namespace.as_deref(), Some("shop"));
    assert_eq!(app.tab_bar_rows(), 1);
    assert_eq!(titles(&app), ["/pods", "/pods"]);
    assert_eq!(filter_of(&app), "web");
    // The second tab goes elsewhere; the first is untouched.
    typed(&mut app, ":ns kube-system");
    typed(&mut app, ":deploy");
    assert_eq!(titles(&app), ["/pods", "/deployments.apps"]);
    ctrl_t(&mut app, '[');
    assert_eq!(app.namespace.as_deref(), Some("shop"));
    assert_eq!(filter_of(&app), "web");
    assert_eq!(app.workspace.active, 0);
    ctrl_t(&mut app, '2');
    assert_eq!(app.namespace.as_deref(), Some("kube-system"));
    assert_eq!(
        app.top().map(|v| v.title.as_str()),
        Some("deployments.apps")
    );
    ctrl_t(&mut app, ']');
    assert_eq!(app.workspace.active, 0);
    ctrl_t(&mut app, '7');
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("no tab 7")
    );
}

#[test]
fn closing_a_tab_stops_its_watches_and_the_last_tab_stays() {
    let (mut app, _) = app();
    ctrl_t(&mut app, 'n');
    let effects = typed(&mut app, ":deploy");
    let Some(Effect::Watch { view: watch, .. }) = effects.last() else {
        panic!("{effects:?}")
    };
    let watch = *watch;
    let effects = ctrl_t(&mut app, 'c');
    assert!(
        matches!(&effects[..], [Effect::Unwatch(id)] if *id == watch),
        "{effects:?}"
    );
    assert_eq!(app.workspace.tabs.len(), 1);
    assert!(app.top().is_some());
    assert!(ctrl_t(&mut app, 'c').is_empty());
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn the_prefix_takes_one_key_only_and_leaves_the_views_keys_alone() {
    let (mut app, _) = app();
    fill(&app, &["a", "b"]);
    app.prepare();
    // After the prefix, `j` is no tab command: nothing moves.
    ctrl_t(&mut app, 'j');
    assert_eq!(
        app.top().and_then(|v| v.body.table()).map(|t| t.cursor),
        Some(0)
    );
    // Without it, `j` is the table's again, and `n` is not a tab command.
    app.handle(key('j'));
    assert_eq!(
        app.top().and_then(|v| v.body.table()).map(|t| t.cursor),
        Some(1)
    );
    app.handle(key('n'));
    assert_eq!(app.workspace.tabs.len(), 1);
}

#[test]
fn an_answer_for_a_view_in_another_tab_reaches_it_there() {
    let (mut app, _) = app();
    fill(&app, &["web-1"]);
    app.prepare();
    let effects = app.handle(key('y'));
    let Some(Effect::Fetch { view, .. }) = effects.into_iter().next() else {
        panic!()
    };
    ctrl_t(&mut app, 'n');
    app.handle(AppEvent::Fetched {
        view,
        result: Ok(Fetched::Text("kind: Pod\n".into())),
    });
    // Still on the new tab; the first one's YAML view got its text.
    assert_eq!(app.workspace.active, 1);
    assert_eq!(app.top().map(|v| v.title.as_str()), Some("pods"));
    ctrl_t(&mut app, '1');
    let Some(Body::Text(t)) = app.top().map(|v| &v.body) else {
        panic!("not the YAML view")
    };
    assert_eq!(t.lines, ["kind: Pod"]);
    app.handle(code(KeyCode::Esc));
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn a_context_switch_closes_the_other_tabs() {
    let (mut app, _) = app();
    ctrl_t(&mut app, 'n');
    typed(&mut app, ":deploy");
    ctrl_t(&mut app, 'n');
    typed(&mut app, ":no");
    let effects = app.handle(AppEvent::Connected(ClusterInfo::default()));
    let unwatched = effects
        .iter()
        .filter(|e| matches!(e, Effect::Unwatch(_)))
        .count();
    assert_eq!(unwatched, 3);
    assert_eq!(app.workspace.tabs.len(), 1);
    assert_eq!(app.tab_bar_rows(), 0);
}

#[test]
fn saved_tabs_open_again_with_their_kind_namespace_and_filter() {
    let (mut app, _) = app();
    typed(&mut app, "/web");
    ctrl_t(&mut app, 'n');
    typed(&mut app, ":ns kube-system");
    typed(&mut app, ":deploy");
    // A YAML view on top saves the table under it.
    fill(&app, &["coredns"]);
    app.prepare();
    app.handle(key('y'));
    let saved = app.saved_tabs();
    assert_eq!(
        saved,
        tabs::SavedTabs {
            tabs: vec![
                tabs::SavedTab {
                    context: String::new(),
                    on: None,
                    kind: "pods".into(),
                    namespace: Some("shop".into()),
                    filter: "web".into(),
                },
                tabs::SavedTab {
                    context: String::new(),
                    on: None,
                    kind: "deployments.apps".into(),
                    namespace: Some("kube-system".into()),
                    filter: String::new(),
                },
            ],
            active: 1,
        }
    );
    let mut next = App::new(ClusterInfo::default(), Some("default".into()), None, false);
    next.restore = Some(saved);
    let effects = next.handle(AppEvent::Discovered(Ok(super::tests::kinds())));
    let watched: Vec<(String, Option<String>)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Watch { kind, scope, .. } => {
                Some((kind.plural.clone(), scope.namespace.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        watched,
        [
            ("pods".to_string(), Some("shop".to_string())),
            ("deployments".to_string(), Some("kube-system".to_string()))
        ]
    );
    assert_eq!(next.workspace.active, 1);
    assert_eq!(next.namespace.as_deref(), Some("kube-system"));
    ctrl_t(&mut next, '1');
    assert_eq!(filter_of(&next), "web");
    assert_eq!(next.namespace.as_deref(), Some("shop"));
    // Saved tabs of another context are not opened here: the usual first view is.
    let mut other = App::new(ClusterInfo::default(), Some("default".into()), None, false);
    let mut elsewhere = next.saved_tabs();
    for t in &mut elsewhere.tabs {
        t.context = "prod".into();
    }
    other.restore = Some(elsewhere);
    other.handle(AppEvent::Discovered(Ok(super::tests::kinds())));
    assert_eq!(other.workspace.tabs.len(), 1);
    assert_eq!(other.top().map(|v| v.title.as_str()), Some("pods"));
}
