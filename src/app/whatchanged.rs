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
