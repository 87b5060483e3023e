//! Opening the "what changed?" views: an object's timeline and the change feed, each with the live feed
//! (`Effect::Timeline`, `Effect::Changes`) that fills it until the view closes.

use super::*;
use tug_cluster::changes::{ChangeFeedState, TimelineFeed, WATCHED};
use tug_model::change_feed::ChangeFeed;

impl App {
    pub(super) fn open_timeline(
        &mut self,
        kind: tug_cluster::discovery::Kind,
        namespace: String,
        name: String,
    ) -> Vec<Effect> {
        let id = self.id();
        let feed = TimelineFeed {
            timeline: Default::default(),
            rows: Default::default(),
        };
        self.stack.push(View {
            id,
            title: format!("timeline/{name}"),
            body: Body::Timeline(Box::new(views::TimelineView::new(feed.clone()))),
        });
        vec![Effect::Timeline {
            view: id,
            kind,
            namespace,
            name,
            feed,
        }]
    }

    /// `:changes`: the feed of the current namespace (or all), bounded by the `change_feed_lines` setting.
    pub(super) fn open_changes(&mut self) -> Vec<Effect> {
        let id = self.id();
        let settings = &self.guard_settings;
        let state = ChangeFeedState {
            feed: std::sync::Arc::new(std::sync::Mutex::new(ChangeFeed::new(
                settings.change_feed_lines,
                settings.change_feed_status,
            ))),
            rows: Default::default(),
        };
        let kinds = self
            .kinds
            .iter()
            .filter(|k| WATCHED.iter().any(|(g, p)| k.is(g, p)))
            .cloned()
            .collect();
        let title = match &self.namespace {
            Some(ns) => format!("changes({ns})"),
            None => "changes(all)".into(),
        };
        self.stack.push(View {
            id,
            title,
            body: Body::Changes(Box::new(views::ChangesView::new(state.clone()))),
        });
        vec![Effect::Changes {
            view: id,
            kinds,
            namespace: self.namespace.clone(),
            state,
        }]
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::*;
    use tug_model::table::{Column, Row};

    fn kind(group: &str, plural: &str, k: &str) -> Kind {
        Kind {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            kind: k.into(),
            namespaced: true,
            short_names: vec![],
            verbs: vec!["list".into(), "watch".into()],
        }
    }

    fn app() -> App {
        let mut app = App::new(ClusterInfo::default(), Some("shop".into()), None, false);
        app.handle(AppEvent::Discovered(Ok(vec![
            kind("", "pods", "Pod"),
            kind("", "secrets", "Secret"),
            kind("", "events", "Event"),
            kind("apps", "deployments", "Deployment"),
        ])));
        app
    }

    fn press(app: &mut App, c: KeyCode) -> Vec<Effect> {
        app.handle(AppEvent::Key(KeyEvent::new(c, KeyModifiers::NONE)))
    }

    fn typed(app: &mut App, text: &str) -> Vec<Effect> {
        let mut effects = vec![];
        for c in text.chars() {
            effects.extend(press(app, KeyCode::Char(c)));
        }
        effects.extend(press(app, KeyCode::Enter));
        effects
    }

    #[test]
    fn changes_watches_the_feeds_kinds_in_the_namespace() {
        let mut app = app();
        let effects = typed(&mut app, ":whatchanged");
        let Some(Effect::Changes {
            kinds, namespace, ..
        }) = effects.iter().find(|e| matches!(e, Effect::Changes { .. }))
        else {
            panic!("{effects:?}")
        };
        let plurals: Vec<&str> = kinds.iter().map(|k| k.plural.as_str()).collect();
        assert_eq!(
            plurals,
            ["pods", "secrets", "deployments"],
            "events are churn, not changes"
        );
        assert_eq!(namespace.as_deref(), Some("shop"));
        assert_eq!(app.top().map(|v| v.title.as_str()), Some("changes(shop)"));
    }

    #[test]
    fn the_timeline_opens_on_a_row_and_enter_shows_a_step_as_a_diff() {
        let mut app = app();
        typed(&mut app, ":deploy");
        let table = app.top().and_then(|v| v.body.table()).unwrap();
        table.lock().replace_all(
            vec![Column {
                name: "Name".into(),
                kind: "string".into(),
                priority: 0,
            }],
            vec![Row {
                namespace: "shop".into(),
                name: "frontend".into(),
                uid: "".into(),
                created: None,
                deleting: false,
                cells: vec!["frontend".into()],
            }],
        );
        app.prepare();
        let effects = press(&mut app, KeyCode::Char('H'));
        let Some(Effect::Timeline {
            kind, name, feed, ..
        }) = effects
            .into_iter()
            .find(|e| matches!(e, Effect::Timeline { .. }))
        else {
            panic!("no timeline effect")
        };
        assert_eq!(
            (kind.plural.as_str(), name.as_str()),
            ("deployments", "frontend")
        );
        let obj = |rv: &str, image: &str| {
            json!({"metadata": {"name": "frontend", "resourceVersion": rv},
                   "spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": image}]}}}})
        };
        {
            let mut t = feed.timeline.lock().unwrap();
            t.observe(obj("1", "nginx:1"), "2026-01-01T00:00:00Z".parse().unwrap());
            t.observe(obj("2", "nginx:2"), "2026-01-01T00:01:00Z".parse().unwrap());
            let entries = t.entries();
            feed.rows
                .lock()
                .unwrap()
                .replace_all(vec![], tug_model::timeline::rows(&entries));
        }
        app.prepare();
        press(&mut app, KeyCode::Enter);
        let top = app.top().unwrap();
        assert_eq!(top.title, "diff/frontend");
        let Body::Text(text) = &top.body else {
            panic!("not a text")
        };
        assert!(
            text.lines
                .iter()
                .any(|l| l.starts_with('+') && l.contains("nginx:2"))
        );
    }
}
