//! `Effect::Access`: asks the server an RBAC question on a spawned task and answers with `AppEvent::Access`.
//! Must not touch the terminal.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tug_cluster::{ApiFailure, ClusterError, access};

use crate::app::AppEvent;
use crate::app::access::{Answer, Ask};
use crate::app::wording::access_failed;

fn worded(e: ClusterError) -> String {
    access_failed(&ApiFailure::from(e))
}

pub fn perform(client: &kube::Client, ask: Ask, events: &UnboundedSender<AppEvent>) {
    let (client, events) = (client.clone(), events.clone());
    tokio::spawn(async move {
        let answer = match ask {
            Ask::Whoami { context } => Answer::Identity {
                context,
                result: access::whoami(&client).await.map_err(worded),
            },
            Ask::Rules { context, namespace } => {
                let result = access::rules(&client, &namespace, None)
                    .await
                    .map_err(worded);
                Answer::Rules {
                    context,
                    namespace,
                    result,
                }
            }
            Ask::Check {
                context,
                namespace,
                need,
            } => {
                let result = access::can(&client, &need, &namespace, "")
                    .await
                    .map_err(worded);
                Answer::Checked {
                    context,
                    namespace,
                    need,
                    result,
                }
            }
            Ask::Matrix {
                view,
                namespace,
                as_,
            } => Answer::Matrix {
                view,
                result: access::rules(&client, &namespace, as_.as_ref())
                    .await
                    .map_err(worded),
            },
            Ask::Policy { view } => Answer::Policy {
                view,
                result: access::policy(&client).await.map(Arc::new).map_err(worded),
            },
        };
        let _ = events.send(AppEvent::Access(answer));
    });
}
