//! Editing manifests from the keyboard: the in-app editor (save → dry run → diff → confirm → PUT), YAML errors
//! that send nothing, the conflict flow, server rejections, recovery of unsaved edits across a restart,
//! `$EDITOR`, `:create`, and the view-only editor of read-only mode.

use std::path::Path;

use crate::actions::{mutations_since, select};
use crate::common::{TestSim, eventually};
use crate::harness::Tui;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const BACKSPACE: &str = "\x7f";
const END: &str = "\x1b[F";
const CTRL_F: &str = "\x06";
const CTRL_S: &str = "\x13";
const CTRL_C: &str = "\x03";

struct Dirs {
    _tmp: tempfile::TempDir,
    journal: std::path::PathBuf,
    recovery: std::path::PathBuf,
}

fn dirs() -> Dirs {
    let tmp = tempfile::tempdir().unwrap();
    Dirs {
        journal: tmp.path().join("journal.jsonl"),
        recovery: tmp.path().join("recovery"),
        _tmp: tmp,
    }
}

fn start(sim: &TestSim, d: &Dirs, args: &[&str], extra: &[(&str, &Path)]) -> Tui {
    let mut env: Vec<(&str, &Path)> = vec![
        ("TUG_JOURNAL", &d.journal),
        ("TUG_RECOVERY_DIR", &d.recovery),
    ];
    env.extend_from_slice(extra);
    Tui::start_with_env(&sim.kubeconfig(), args, 120, 40, &env)
}

/// tug with the `backend` deployment selected.
async fn on_backend(sim: &TestSim, d: &Dirs, args: &[&str], extra: &[(&str, &Path)]) -> Tui {
    let mut tui = start(sim, d, args, extra);
    tui.wait_for("gpu-worker").await;
    select(&mut tui, "deploy", "backend").await;
    tui
}

fn set_replicas(tui: &mut Tui, value: &str) {
    find_line_end(tui, "replicas: ");
    tui.send(BACKSPACE);
    tui.send(value);
}

/// `e` on the one selected deployment; waits for its buffer.
async fn edit(tui: &mut Tui, name: &str) {
    tui.send("e");
    tui.wait(&format!("the editor of {name}"), |s| {
        s.contains(&format!("edit deployments.apps/{name}")) && s.contains("replicas:")
    })
    .await;
}

/// Ctrl-F `needle` Enter, then End: the cursor at the end of the line that holds it.
fn find_line_end(tui: &mut Tui, needle: &str) {
    tui.send(CTRL_F);
    tui.send(needle);
    tui.send(ENTER);
    tui.send(END);
}

async fn kubectl_jsonpath(sim: &TestSim, name: &str, path: &str) -> String {
    sim.kubectl_ok(&["get", "deploy", name, "-o", &format!("jsonpath={path}")])
        .await
}

async fn request_count(sim: &TestSim) -> u64 {
    sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn edit_replicas_and_an_env_var_confirm_the_diff_and_kubectl_sees_both() {
    let sim = TestSim::start().await;
    let d = dirs();
    let mut tui = on_backend(&sim, &d, &[], &[]).await;
    edit(&mut tui, "backend").await;
    set_replicas(&mut tui, "4");
    find_line_end(&mut tui, "value: json");
    tui.send(&BACKSPACE.repeat(4));
    tui.send("text");
    tui.wait_for("value: text").await;
    tui.send(CTRL_S);
    let screen = tui.wait_for("apply these changes?").await;
    assert!(screen.contains("-  replicas: 2"), "{screen}");
    assert!(screen.contains("+  replicas: 4"), "{screen}");
    tui.send("y");
    tui.wait_for("saved deployments.apps/backend").await;
    eventually("kubectl sees both changes", || async {
        let r = kubectl_jsonpath(&sim, "backend", "{.spec.replicas}").await;
        let env = kubectl_jsonpath(
            &sim,
            "backend",
            "{.spec.template.spec.containers[0].env[0].value}",
        )
        .await;
        (r == "4" && env == "text").then_some(())
    })
    .await;
    // The journal says who changed what.
    let journal = std::fs::read_to_string(&d.journal).unwrap();
    assert!(
        journal.contains("edit deployments.apps/backend"),
        "{journal}"
    );
}

#[tokio::test]
async fn a_yaml_error_sends_nothing_and_an_unsaved_edit_survives_quitting_tug() {
    let sim = TestSim::start().await;
    let d = dirs();
    let mut tui = on_backend(&sim, &d, &[], &[]).await;
    edit(&mut tui, "backend").await;
    find_line_end(&mut tui, "replicas: ");
    tui.send(ENTER);
    tui.send(" bad: 1");
    tui.wait_for("   bad: 1").await;
    let since = request_count(&sim).await;
    tui.send(CTRL_S);
    let screen = tui.wait_for("YAML error at line").await;
    assert!(screen.contains("column"), "{screen}");
    assert!(screen.contains("   bad: 1"), "the buffer is kept: {screen}");
    assert!(
        mutations_since(&sim, since).await.is_empty(),
        "nothing may be sent for a buffer that does not parse"
    );
    // Quit tug with the edit unsaved: it is kept, and offered on the next edit of the object.
    tui.send(CTRL_C);
    assert!(tui.exit().await, "tug exits and restores the terminal");
    let mut tui = on_backend(&sim, &d, &[], &[]).await;
    tui.send("e");
    tui.wait_for("An unsaved edit of this object").await;
    tui.send("r");
    tui.wait_for("restored the unsaved edit").await;
    tui.wait_for("   bad: 1").await;
}

#[tokio::test]
async fn a_conflict_keeps_the_buffer_and_reload_and_reapply_yields_both_changes() {
    let sim = TestSim::start().await;
    let d = dirs();
    let mut tui = on_backend(&sim, &d, &[], &[]).await;
    edit(&mut tui, "backend").await;
    set_replicas(&mut tui, "3");
    tui.wait_for("replicas: 3").await;
    // Meanwhile someone else changes the image.
    sim.kubectl_ok(&[
        "set",
        "image",
        "deploy/backend",
        "app=ghcr.io/tug-demo/shop-backend:2.5.0",
    ])
    .await;
    // Let that rollout finish: while it runs, the controller keeps changing the Deployment (its revision
    // annotation among them), and each change would rightly ask the user again.
    sim.kubectl_ok(&["rollout", "status", "deploy/backend", "--timeout=120s"])
        .await;
    tui.send(CTRL_S);
    let screen = tui
        .wait_for("changed on the server since you opened it")
        .await;
    assert!(screen.contains("shop-backend:2.5.0"), "{screen}");
    tui.send("r");
    let screen = tui.wait_for("apply these changes?").await;
    assert!(screen.contains("+  replicas: 3"), "{screen}");
    tui.send("y");
    tui.wait_for("saved deployments.apps/backend").await;
    eventually("both changes are on the server", || async {
        let r = kubectl_jsonpath(&sim, "backend", "{.spec.replicas}").await;
        let image =
            kubectl_jsonpath(&sim, "backend", "{.spec.template.spec.containers[0].image}").await;
        (r == "3" && image.ends_with(":2.5.0")).then_some(())
    })
    .await;
}

#[tokio::test]
async fn the_servers_rejection_is_shown_and_the_buffer_kept() {
    let sim = TestSim::start().await;
    let d = dirs();
    let mut tui = on_backend(&sim, &d, &[], &[]).await;
    edit(&mut tui, "backend").await;
    set_replicas(&mut tui, "-1");
    tui.send(CTRL_S);
    let screen = tui.wait_for("invalid:").await;
    assert!(screen.contains("spec.replicas"), "{screen}");
    assert!(screen.contains("replicas: -1"), "{screen}");
    assert_eq!(
        kubectl_jsonpath(&sim, "backend", "{.spec.replicas}").await,
        "2"
    );
    // Still editing: fix it and save.
    tui.send(&BACKSPACE.repeat(2));
    tui.send("1");
    tui.send(CTRL_S);
    tui.wait_for("apply these changes?").await;
    tui.send("y");
    tui.wait_for("saved deployments.apps/backend").await;
    assert_eq!(
        kubectl_jsonpath(&sim, "backend", "{.spec.replicas}").await,
        "1"
    );
}

#[tokio::test]
async fn editor_env_var_edits_in_the_users_editor() {
    let sim = TestSim::start().await;
    let d = dirs();
    let script = d._tmp.path().join("edit.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nsed -i 's/replicas: 2/replicas: 5/' \"$1\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut tui = on_backend(
        &sim,
        &d,
        &[],
        &[("EDITOR", &script), ("VISUAL", Path::new(""))],
    )
    .await;
    tui.send("E");
    let screen = tui.wait_for("apply these changes?").await;
    assert!(screen.contains("+  replicas: 5"), "{screen}");
    tui.send("y");
    tui.wait_for("saved deployments.apps/backend").await;
    assert_eq!(
        kubectl_jsonpath(&sim, "backend", "{.spec.replicas}").await,
        "5"
    );
}

#[tokio::test]
async fn create_a_configmap_from_a_template() {
    let sim = TestSim::start().await;
    let d = dirs();
    let mut tui = start(&sim, &d, &[], &[]);
    tui.wait_for("gpu-worker").await;
    tui.send(":create cm");
    tui.send(ENTER);
    tui.wait_for("create configmaps/(new)").await;
    find_line_end(&mut tui, "key: value");
    tui.send(ENTER);
    tui.send("color: blue");
    tui.send(CTRL_S);
    tui.wait_for("apply these changes?").await;
    tui.send("y");
    tui.wait_for("created configmaps/my-configmap").await;
    let color = sim
        .kubectl_ok(&[
            "get",
            "cm",
            "-A",
            "-o",
            "jsonpath={.items[?(@.metadata.name==\"my-configmap\")].data.color}",
        ])
        .await;
    assert_eq!(color, "blue");
}

#[tokio::test]
async fn read_only_mode_opens_a_view_only_editor_that_sends_nothing() {
    let sim = TestSim::start().await;
    let d = dirs();
    let mut tui = on_backend(&sim, &d, &["--readonly"], &[]).await;
    tui.send("e");
    tui.wait_for("view deployments.apps/backend").await;
    let since = request_count(&sim).await;
    tui.send("xyz");
    tui.send(CTRL_S);
    tui.wait_for("read-only mode").await;
    assert!(!tui.screen().contains("xyz"));
    assert!(mutations_since(&sim, since).await.is_empty());
    tui.send(ESC);
    tui.wait("back at the table", |s| {
        !s.contains("view deployments.apps/backend") && s.contains("backend")
    })
    .await;
}
