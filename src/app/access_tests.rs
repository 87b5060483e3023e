//! RBAC in the app: rules asked once per context and namespace, denied actions refused before anything is
//! sent with the reason, greyed in help and footer; the views filled from the answers.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::*;
use crate::app::{AppEvent, Effect};
use crate::config::keymap::HelpLine;
use tug_cluster::connect::ClusterInfo;
use tug_model::table::{Column, Row};

fn kind(group: &str, plural: &str, namespaced: bool) -> Kind {
    Kind {
        group: group.into(),
        version: "v1".into(),
        plural: plural.into(),
        kind: plural.trim_end_matches('s').into(),
        namespaced,
        short_names: vec![],
        verbs: [
            "get", "list", "watch", "create", "update", "patch", "delete",
        ]
        .iter()
        .map(|v| v.to_string())
        .collect(),
    }
}

fn app() -> App {
    let info = ClusterInfo {
        context: "ctx".into(),
        user: "kube-user".into(),
        ..ClusterInfo::default()
    };
    let mut app = App::new(info, Some("shop".into()), None, false);
    let kinds = vec![
        kind("", "pods", true),
        kind("", "secrets", true),
        kind("rbac.authorization.k8s.io", "rolebindings", true),
        kind("rbac.authorization.k8s.io", "clusterrolebindings", false),
    ];
    app.handle(AppEvent::Discovered(Ok(kinds)));
    let t = app.top().and_then(|v| v.body.table()).unwrap();
    t.lock().replace_all(
        vec![Column {
            name: "Name".into(),
            kind: "string".into(),
            priority: 0,
        }],
        vec![Row {
            namespace: "shop".into(),
            name: "web-1".into(),
            uid: "".into(),
            created: None,
            deleting: false,
            cells: vec!["web-1".into()],
        }],
    );
    app.prepare();
    app
}

fn viewer_rules() -> Access {
    Access::from_review(
        "shop",
        &json!({"status": {"resourceRules": [
            {"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods", "pods/log"]}],
            "incomplete": false}}),
    )
}

fn asks(effects: Vec<Effect>) -> Vec<Ask> {
    effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Access(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = vec![];
    for c in text.chars() {
        effects.extend(app.handle(AppEvent::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        ))));
    }
    effects.extend(app.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    ))));
    effects
}

fn ctrl(c: char) -> AppEvent {
    AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

#[test]
fn identity_and_rules_are_asked_once_per_context_and_namespace() {
    let mut app = app();
    let first = asks(app.access_asks());
    assert_eq!(
        first,
        [
            Ask::Whoami {
                context: "ctx".into()
            },
            Ask::Rules {
                context: "ctx".into(),
                namespace: "shop".into()
            }
        ]
    );
    assert!(app.access_asks().is_empty(), "asked twice");
    // Another namespace is asked for, and coming back asks again (the rules may have changed).
    app.namespace = Some("default".into());
    assert_eq!(
        asks(app.access_asks()),
        [
            Ask::Rules {
                context: "ctx".into(),
                namespace: "default".into()
            },
            Ask::Rules {
                context: "ctx".into(),
                namespace: "shop".into()
            }
        ]
    );
    app.namespace = Some("shop".into());
    assert_eq!(asks(app.access_asks()).len(), 1);
    assert_eq!(app.identity_text(), "kube-user");
    app.handle(AppEvent::Access(Answer::Identity {
        context: "ctx".into(),
        result: Ok(Some(Identity {
            user: "viewer".into(),
            groups: vec!["system:authenticated".into()],
            from_server: true,
        })),
    }));
    assert_eq!(app.identity_text(), "viewer");
    // Another context starts over.
    app.info.context = "other".into();
    assert_eq!(app.identity_text(), "kube-user");
    assert_eq!(asks(app.access_asks()).len(), 2);
}

#[test]
fn a_denied_action_is_refused_with_its_reason_and_greyed_in_help_and_footer() {
    let mut app = app();
    app.access_asks();
    // Until the rules are known nothing is refused: the server decides.
    assert_eq!(app.rbac_denial(Action::Delete), None);
    app.handle(AppEvent::Access(Answer::Rules {
        context: "ctx".into(),
        namespace: "shop".into(),
        result: Ok(viewer_rules()),
    }));
    assert_eq!(
        app.rbac_denial(Action::Delete).as_deref(),
        Some("not allowed: delete pods in shop")
    );
    assert_eq!(app.rbac_denial(Action::Logs), None);
    let effects = app.handle(ctrl('d'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(app.mode, crate::app::Mode::Normal));
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("not allowed: delete pods in shop")
    );
    let hints = app.denied_hints();
    assert!(hints.contains(&("Ctrl-D".into(), "delete")), "{hints:?}");
    assert!(hints.iter().any(|(_, a)| *a == "shell"));
    assert!(!hints.iter().any(|(_, a)| *a == "logs"));
    assert!(app.help_lines().iter().any(|l| matches!(l,
        HelpLine::Denied { reason, .. } if reason == "not allowed: create pods/exec in shop")));
    assert_eq!(
        app.list_denial("secrets").as_deref(),
        Some("not allowed: list secrets in shop")
    );
    assert_eq!(app.list_denial("pods"), None);
}

#[test]
fn incomplete_rules_ask_an_access_review_per_unknown_need() {
    let mut app = app();
    app.access_asks();
    app.handle(AppEvent::Access(Answer::Rules {
        context: "ctx".into(),
        namespace: "shop".into(),
        result: Ok(Access {
            incomplete: true,
            ..viewer_rules()
        }),
    }));
    assert_eq!(app.rbac_denial(Action::Delete), None);
    let checks = asks(app.access_asks());
    let delete = Need::new("delete", "", "pods", "");
    assert!(checks.contains(&Ask::Check {
        context: "ctx".into(),
        namespace: "shop".into(),
        need: delete.clone()
    }));
    assert!(app.access_asks().is_empty());
    app.handle(AppEvent::Access(Answer::Checked {
        context: "ctx".into(),
        namespace: "shop".into(),
        need: delete,
        result: Ok(false),
    }));
    assert_eq!(
        app.rbac_denial(Action::Delete).as_deref(),
        Some("not allowed: delete pods in shop")
    );
}

#[test]
fn can_i_and_who_can_open_views_that_fill_from_the_answers() {
    let mut app = app();
    let effects = typed(&mut app, ":can-i");
    let Some(Ask::Matrix {
        view,
        namespace,
        as_,
    }) = asks(effects).pop()
    else {
        panic!("no matrix asked")
    };
    assert_eq!((namespace.as_str(), as_), ("shop", None));
    app.handle(AppEvent::Access(Answer::Matrix {
        view,
        result: Ok(viewer_rules()),
    }));
    app.prepare();
    let t = app.top().and_then(|v| v.body.table()).unwrap();
    let data = t.lock();
    let pods = data.rows().find(|r| &*r.cells[0] == "pods").unwrap();
    assert_eq!(&*pods.cells[2], "yes");
    assert_eq!(&*pods.cells[7], "-");
    let secrets = data.rows().find(|r| &*r.cells[0] == "secrets").unwrap();
    assert!(secrets.cells[1..].iter().all(|c| &**c != "yes"));
    drop(data);

    let effects = typed(&mut app, ":who-can delete pods -n shop");
    let Some(Ask::Policy { view }) = asks(effects).pop() else {
        panic!("no policy asked")
    };
    let policy = Policy::new(
        &[],
        &[
            json!({"metadata": {"name": "janitor"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}]}),
        ],
        &[
            json!({"metadata": {"name": "j", "namespace": "shop"}, "roleRef": {"kind": "ClusterRole", "name": "janitor"},
                 "subjects": [{"kind": "User", "name": "ann"}]}),
        ],
        &[],
    );
    app.handle(AppEvent::Access(Answer::Policy {
        view,
        result: Ok(Arc::new(policy)),
    }));
    app.prepare();
    assert_eq!(app.top().unwrap().title, "who-can delete pods in shop");
    let effects = app.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    assert!(matches!(&effects[..], [Effect::Watch { kind, scope, .. }]
        if kind.plural == "rolebindings" && scope.namespace.as_deref() == Some("shop")));
    assert_eq!(app.top().unwrap().title, "rolebindings/j");
}
