//! Changes sent to the cluster on the app's behalf (a confirmed mutation, an edited object), each logged and
//! written to the journal, on spawned tasks that answer through the event channel. Must not touch the
//! terminal.

use tokio::sync::mpsc;
use tug_cluster::connect::ClusterInfo;
use tug_cluster::discovery::Kind;
use tug_cluster::mutate::{Mutation, Op};

use crate::app::{AppEvent, ViewId, wording};
use tug_cluster::ApiFailure;

/// An edited object to send: PUT (`name`) or POST (`None`), possibly as a dry run.
pub struct Edit {
    pub view: ViewId,
    pub kind: Kind,
    pub namespace: String,
    pub name: Option<String>,
    pub object: serde_json::Value,
    pub dry_run: bool,
}

/// Sends a change (`Effect::Mutate` or `Effect::SendEdit`) through `client` as `info`'s user and context;
/// any other effect is handed back.
pub fn send_change(
    client: &kube::Client,
    info: &ClusterInfo,
    effect: crate::app::Effect,
    events: &mpsc::UnboundedSender<AppEvent>,
) -> Option<crate::app::Effect> {
    use crate::app::Effect;
    match effect {
        Effect::Mutate(mutation) => mutate(client, info, mutation, events),
        Effect::SendEdit {
            view,
            kind,
            namespace,
            name,
            object,
            dry_run,
        } => {
            let edit = Edit {
                view,
                kind,
                namespace,
                name,
                object,
                dry_run,
            };
            send_edit(client, info, edit, events);
        }
        other => return Some(other),
    }
    None
}

pub fn send_edit(
    client: &kube::Client,
    info: &ClusterInfo,
    edit: Edit,
    events: &mpsc::UnboundedSender<AppEvent>,
) {
    let (c, t) = (client.clone(), events.clone());
    let (user, context) = (info.user.clone(), info.context.clone());
    tokio::spawn(async move {
        let Edit {
            view,
            kind,
            namespace,
            name,
            object,
            dry_run,
        } = edit;
        let result =
            tug_cluster::edit::send(&c, &kind, &namespace, name.as_deref(), &object, dry_run)
                .await
                .map_err(ApiFailure::from);
        tracing::info!(
            kind = %kind.display(),
            %namespace,
            name = name.as_deref().unwrap_or("(new)"),
            dry_run,
            error = result.as_ref().err().map(|e| e.message.as_str()),
            "edit sent"
        );
        if !dry_run {
            let (verb, shown) = match &name {
                Some(n) => ("edit", n.clone()),
                None => (
                    "create",
                    object["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
            };
            let summary = format!("{verb} {}/{shown} in {namespace}", kind.display());
            let outcome = result.as_ref().map(|_| ()).map_err(|e| e.message.clone());
            if let Err(e) = crate::journal::append(&user, &context, verb, &summary, "", &outcome) {
                let _ = t.send(AppEvent::Flash(
                    format!("the journal could not be written: {e}"),
                    true,
                ));
            }
        }
        let _ = t.send(AppEvent::EditSent {
            view,
            dry_run,
            result,
        });
    });
}

pub fn mutate(
    client: &kube::Client,
    info: &ClusterInfo,
    mutation: Mutation,
    events: &mpsc::UnboundedSender<AppEvent>,
) {
    let (c, t) = (client.clone(), events.clone());
    let (user, context) = (info.user.clone(), info.context.clone());
    tokio::spawn(async move {
        let summary = mutation.summary();
        let result = tug_cluster::mutate::apply(&c, &mutation)
            .await
            .map(|_| ())
            .map_err(ApiFailure::from);
        // The journal keeps the words the user is shown.
        let outcome = result
            .as_ref()
            .map(|_| ())
            .map_err(|f| wording::mutation_failed(&mutation, f));
        match &outcome {
            Ok(()) => tracing::info!(%summary, "change sent"),
            Err(e) => tracing::warn!(%summary, error = %e, "change failed"),
        }
        let detail = match &mutation.op {
            Op::Rollback { deployment, .. } => format!("image(s): {}", images(deployment)),
            _ => String::new(),
        };
        let journal = crate::journal::append(
            &user,
            &context,
            mutation.verb(),
            &summary,
            &detail,
            &outcome,
        );
        let result = match (result, journal) {
            (r, Ok(())) => r,
            (Ok(()), Err(e)) => Err(ApiFailure::local(
                "Journal",
                format!("{summary} succeeded, but the journal could not be written: {e}"),
            )),
            (Err(e), Err(_)) => Err(e),
        };
        let _ = t.send(AppEvent::Mutated {
            mutation: Box::new(mutation),
            result,
        });
    });
}

/// The images of a Deployment's pod template, for the journal.
fn images(deployment: &serde_json::Value) -> String {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["image"].as_str())
        .collect::<Vec<_>>()
        .join(",")
}
