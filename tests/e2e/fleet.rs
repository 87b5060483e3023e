//! `:fleet` against two sims at once, one kubeconfig with a context for each (`alpha`, `beta`): the summary
//! lists both; `:fleet pods` merges their pods with the right CONTEXT; a delete from it reaches only the row's
//! cluster (both request logs checked) under the row's context's guardrails; a stopped sim shows unreachable
//! while the other keeps updating.

use std::path::{Path, PathBuf};

use crate::actions::mutations_since;
use crate::common::{TestSim, eventually};
use crate::harness::{Tui, lines_with};

const ENTER: &str = "\r";
const ESC: &str = "\x1b";

/// Two sims and a kubeconfig naming them `alpha` (current, a token in the file) and `beta`, whose user gets
/// its token from an exec credential plugin (a script), as cloud kubeconfigs do.
struct TwoSims {
    alpha: TestSim,
    beta: Option<TestSim>,
    dir: tempfile::TempDir,
}

/// The server, CA and admin token of a sim's own kubeconfig.
fn endpoint(kubeconfig: &Path) -> (String, String, String) {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let cluster = kc.clusters[0].cluster.clone().unwrap();
    // The admin user comes first in the sim's kubeconfig.
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    let token = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .unwrap()
        .to_string();
    (
        cluster.server.unwrap(),
        cluster.certificate_authority_data.unwrap(),
        token,
    )
}

impl TwoSims {
    async fn start() -> Self {
        Self::start_with(None).await
    }

    /// With a third context, `gamma`, whose server is `silent` (it never answers).
    async fn start_with(silent: Option<std::net::SocketAddr>) -> Self {
        let (alpha, beta) = (TestSim::start().await, TestSim::start().await);
        let dir = tempfile::tempdir().unwrap();
        let mut clusters = String::new();
        let mut contexts = String::new();
        let mut users = String::new();
        for (name, sim) in [("alpha", &alpha), ("beta", &beta)] {
            let (server, ca, token) = endpoint(&sim.kubeconfig());
            clusters.push_str(&format!(
                "- name: {name}\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\n"
            ));
            contexts.push_str(&format!(
                "- name: {name}\n  context:\n    cluster: {name}\n    user: {name}-admin\n    namespace: shop\n"
            ));
            if name == "alpha" {
                users.push_str(&format!(
                    "- name: {name}-admin\n  user:\n    token: {token}\n"
                ));
            } else {
                let plugin = dir.path().join("credential-plugin");
                let credential = format!(
                    r#"{{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{{"token":"{token}"}}}}"#
                );
                let ran = dir.path().join("plugin-ran");
                std::fs::write(
                    &plugin,
                    format!(
                        "#!/bin/sh\ntouch '{}'\necho '{credential}'\n",
                        ran.display()
                    ),
                )
                .unwrap();
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
                users.push_str(&format!(
                    "- name: {name}-admin\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      interactiveMode: Never\n",
                    plugin.display()
                ));
            }
        }
        if let Some(addr) = silent {
            clusters.push_str(&format!(
                "- name: gamma\n  cluster:\n    server: https://{addr}\n    insecure-skip-tls-verify: true\n"
            ));
            contexts
                .push_str("- name: gamma\n  context:\n    cluster: gamma\n    user: alpha-admin\n");
        }
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{contexts}current-context: alpha\nusers:\n{users}"
        );
        std::fs::write(dir.path().join("kubeconfig"), text).unwrap();
        Self {
            alpha,
            beta: Some(beta),
            dir,
        }
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    fn beta(&self) -> &TestSim {
        self.beta.as_ref().unwrap()
    }

    fn tui(&self, settings: &str) -> Tui {
        let config = self.dir.path().join("config");
        std::fs::create_dir_all(config.join("tug")).unwrap();
        std::fs::write(config.join("tug").join("settings.yaml"), settings).unwrap();
        Tui::start_with_env(
            &self.kubeconfig(),
            &[],
            160,
            40,
            &[
                ("XDG_CONFIG_HOME", &config),
                ("XDG_DATA_HOME", &self.dir.path().join("data")),
                ("TUG_JOURNAL", &self.dir.path().join("journal.jsonl")),
            ],
        )
    }
}

async fn requests(sim: &TestSim) -> u64 {
    sim.get_json("/_sim/stats").await["requests"]
        .as_u64()
        .unwrap()
}

async fn run_pod(sim: &TestSim, name: &str) {
    sim.kubectl_ok(&["run", name, "--image=nginx", "-n", "shop"])
        .await;
}

/// Whether the summary has a row for `context` whose status starts with `status`.
fn row_says(screen: &str, context: &str, status: &str) -> bool {
    screen.lines().any(|l| {
        let mut words = l.split_whitespace();
        words.next() == Some(context) && words.next().is_some_and(|w| w.starts_with(status))
    })
}

/// The screen's line for `name`, once it shows.
async fn line_of(tui: &Tui, name: &str) -> String {
    let screen = tui.wait_for(name).await;
    lines_with(&screen, name)
        .into_iter()
        .find(|l| !l.contains('/') || l.contains(" shop "))
        .unwrap_or_default()
        .to_string()
}

/// Esc clears the list's filter (waited for: an Esc followed at once by a key reads as Alt and that key).
async fn clear_filter(tui: &mut Tui) {
    tui.send(ESC);
    tui.wait("the filter cleared", |s| {
        s.contains("fleet/pods[") && !s.contains("</")
    })
    .await;
}

/// Deletes the selected row, beta's pod `only-beta`, with Ctrl-D and yes: beta's server gets the DELETE and
/// alpha's hears of no change.
async fn delete_only_beta(tui: &mut Tui, sims: &TwoSims) {
    let (since_alpha, since_beta) = (requests(&sims.alpha).await, requests(sims.beta()).await);
    tui.send("\x04"); // Ctrl-D
    tui.wait_for("Delete pod/only-beta?").await;
    tui.send(ENTER);
    tui.wait_for("beta: done: delete pod/only-beta").await;
    assert_eq!(
        mutations_since(sims.beta(), since_beta).await,
        ["\"DELETE\" \"/api/v1/namespaces/shop/pods/only-beta\""]
    );
    assert_eq!(
        mutations_since(&sims.alpha, since_alpha).await,
        Vec::<String>::new(),
        "nothing reached alpha"
    );
}

#[tokio::test]
async fn the_fleet_summary_lists_each_context_with_its_state_and_counts() {
    let sims = TwoSims::start().await;
    let mut tui = sims.tui("");
    tui.wait_for("gpu-worker").await;
    tui.send(":fleet\r");
    let screen = tui
        .wait("both contexts up", |s| {
            row_says(s, "alpha", "ok") && row_says(s, "beta", "ok") && s.contains("3/3")
        })
        .await;
    assert!(
        sims.dir.path().join("plugin-ran").exists(),
        "beta's token came from its exec plugin"
    );
    for header in [
        "CONTEXT", "STATUS", "VERSION", "NODES", "RUNNING", "FAILING", "WARNINGS",
    ] {
        assert!(screen.contains(header), "{header} in {screen}");
    }
    // `:fleet beta` shows only that one.
    tui.send(":fleet beta\r");
    tui.wait("only beta", |s| {
        row_says(s, "beta", "ok") && !row_says(s, "alpha", "")
    })
    .await;
    tui.send(":fleet beta,nope\r");
    tui.wait_for("no context \"nope\" in the kubeconfig").await;
    tui.send(":fleet nope\r");
    tui.wait_for("unknown resource \"nope\"").await;
}

#[tokio::test]
async fn fleet_pods_merges_both_clusters_and_a_delete_reaches_only_the_rows_cluster() {
    let sims = TwoSims::start().await;
    run_pod(&sims.alpha, "only-alpha").await;
    run_pod(sims.beta(), "only-beta").await;
    let mut tui = sims.tui("");
    tui.wait_for("gpu-worker").await;
    tui.send(":fleet pods\r");
    tui.wait_for("fleet/pods").await;
    tui.send("/only-\r");
    let alpha = line_of(&tui, "only-alpha").await;
    let beta = line_of(&tui, "only-beta").await;
    assert!(
        alpha.trim_start_matches(['│', ' ']).starts_with("alpha"),
        "{alpha}"
    );
    assert!(
        beta.trim_start_matches(['│', ' ']).starts_with("beta"),
        "{beta}"
    );
    let screen = tui.screen();
    assert!(screen.contains("CONTEXT"), "{screen}");

    // Delete beta's pod from the merged list: only beta's server hears of it.
    clear_filter(&mut tui).await;
    tui.send("/only-beta\r");
    tui.wait("only beta's row", |s| {
        !s.contains("only-alpha") && s.contains("only-beta")
    })
    .await;
    delete_only_beta(&mut tui, &sims).await;
    eventually("only-beta gone from beta", || async {
        let (found, _, _) = sims
            .beta()
            .kubectl(&["get", "pod", "only-beta", "-n", "shop"])
            .await;
        (!found).then_some(())
    })
    .await;
    sims.alpha
        .kubectl_ok(&["get", "pod", "only-alpha", "-n", "shop"])
        .await;
    tui.wait_for("fleet/pods[0]").await;
}

#[tokio::test]
async fn a_protected_context_guards_its_own_rows_and_only_those() {
    let sims = TwoSims::start().await;
    run_pod(&sims.alpha, "only-alpha").await;
    run_pod(sims.beta(), "only-beta").await;
    let mut tui = sims.tui("protected_contexts: [beta]\n");
    let screen = tui.wait_for("gpu-worker").await;
    assert!(
        !screen.lines().next().unwrap().contains("PROTECTED"),
        "alpha, the current context, is not protected: {screen}"
    );
    tui.send(":fleet pods\r");
    tui.wait_for("fleet/pods").await;
    tui.send("/only-beta\r");
    tui.wait("beta's row", |s| {
        s.contains("only-beta") && !s.contains("only-alpha")
    })
    .await;
    let since = requests(sims.beta()).await;
    tui.send("\x04");
    tui.wait_for("type only-beta to confirm").await;
    tui.send("y");
    tui.send(ENTER);
    tui.wait_for("type only-beta exactly; nothing was sent")
        .await;
    assert!(mutations_since(sims.beta(), since).await.is_empty());
    tui.send(ESC);
    tui.wait("dialog closed", |s| !s.contains("type only-beta"))
        .await;

    // Alpha's row asks the usual question.
    clear_filter(&mut tui).await;
    tui.send("/only-alpha\r");
    tui.wait("alpha's row", |s| {
        s.contains("only-alpha") && !s.contains("only-beta")
    })
    .await;
    tui.send("\x04");
    tui.wait_for("Delete pod/only-alpha?").await;
    tui.send(ESC);
    tui.wait_for("cancelled: nothing was sent").await;
}

#[tokio::test]
async fn a_stopped_cluster_shows_unreachable_while_the_other_stays_live() {
    let mut sims = TwoSims::start().await;
    let mut tui = sims.tui("");
    tui.wait_for("gpu-worker").await;
    tui.send(":fleet\r");
    tui.wait("both up", |s| {
        row_says(s, "alpha", "ok") && row_says(s, "beta", "ok")
    })
    .await;
    sims.beta.take().unwrap().sim.stop().await;
    tui.wait("beta unreachable, alpha ok", |s| {
        row_says(s, "beta", "unreachable") && row_says(s, "alpha", "ok")
    })
    .await;

    // The merged list says which context is gone and keeps following the other.
    tui.send(":fleet pods\r");
    tui.wait_for("beta: unreachable").await;
    run_pod(&sims.alpha, "born-after").await;
    tui.send("/born-after\r");
    let line = line_of(&tui, "born-after").await;
    assert!(line.contains("alpha"), "{line}");
}

#[tokio::test]
async fn describe_and_drill_down_from_a_row_read_its_own_cluster() {
    let sims = TwoSims::start().await;
    run_pod(sims.beta(), "only-beta").await;
    // Beta's storefront runs four pods, alpha's two: the drill-down shows which cluster it read.
    sims.beta()
        .kubectl_ok(&["scale", "deploy/storefront", "--replicas=4", "-n", "shop"])
        .await;
    let mut tui = sims.tui("");
    tui.wait_for("gpu-worker").await;
    tui.send(":fleet pods\r");
    tui.wait_for("fleet/pods").await;
    tui.send("/only-beta\r");
    tui.wait("beta's row", |s| s.contains("fleet/pods[1]"))
        .await;
    tui.send("d");
    let screen = tui.wait_for("beta: describe/only-beta").await;
    tui.wait("beta's pod described", |s| {
        s.lines()
            .any(|l| l.starts_with("Name:") && l.contains("only-beta"))
    })
    .await;
    assert!(!screen.contains("not found"), "{screen}");
    tui.send(ESC);
    tui.wait_for("fleet/pods[1]").await;

    tui.send(":fleet deploy\r");
    tui.wait_for("fleet/deployments").await;
    tui.send("/storefront\r");
    let beta = line_of(&tui, "4/4").await;
    assert!(beta.starts_with("beta"), "{beta}");
    // Rows come in context order: beta's is the second.
    tui.send("j");
    tui.wait("beta's row selected", |_| {
        tui.selected_line().is_some_and(|l| l.starts_with("beta"))
    })
    .await;
    tui.send(ENTER);
    tui.wait("beta's four pods", |s| {
        s.contains("beta: fleet/deployments")
            && s.lines().filter(|l| l.contains("storefront-")).count() == 4
    })
    .await;
}

#[tokio::test]
async fn a_shell_from_another_contexts_row_runs_in_that_cluster_and_enter_on_the_summary_switches()
{
    let sims = TwoSims::start().await;
    run_pod(sims.beta(), "only-beta").await;
    let mut tui = sims.tui("");
    tui.wait_for("gpu-worker").await;
    tui.send(":fleet pods\r");
    tui.wait_for("fleet/pods").await;
    tui.send("/only-beta\r");
    tui.wait("beta's pod running", |s| {
        s.contains("fleet/pods[1]")
            && s.lines()
                .any(|l| l.contains("only-beta") && l.contains("Running"))
    })
    .await;
    tui.send("s");
    tui.wait_for("/ # ").await;
    tui.send("hostname\r");
    tui.wait("the shell is in beta's pod", |s| {
        s.lines().any(|l| l.trim() == "only-beta")
    })
    .await;
    tui.send("exit\r");
    tui.wait_for("fleet/pods[1]").await;

    tui.send(":fleet\r");
    tui.wait("both rows", |s| {
        row_says(s, "alpha", "ok") && row_says(s, "beta", "ok")
    })
    .await;
    tui.send("j");
    tui.send(ENTER);
    tui.wait("switched to beta", |s| {
        s.lines().next().is_some_and(|l| l.contains("ctx:beta"))
    })
    .await;
}

#[tokio::test]
async fn a_silent_cluster_is_connecting_then_unreachable_and_never_holds_the_others() {
    // Accepts connections (the kernel does, into the backlog) and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sims = TwoSims::start_with(Some(silent.local_addr().unwrap())).await;
    let mut tui = sims.tui("");
    tui.wait_for("gpu-worker").await;
    tui.send(":fleet\r");
    tui.wait("alpha and beta up while gamma waits", |s| {
        row_says(s, "alpha", "ok")
            && row_says(s, "beta", "ok")
            && row_says(s, "gamma", "connecting…")
    })
    .await;
    tui.wait("gamma given up on", |s| {
        row_says(s, "gamma", "unreachable") && s.contains("no answer within 10s")
    })
    .await;
    assert!(row_says(&tui.screen(), "alpha", "ok"));
    drop(silent);
}

/// The tab bar's (first line's) names.
fn tab_bar(screen: &str) -> &str {
    screen.lines().next().unwrap_or_default()
}

#[tokio::test]
async fn a_tab_on_another_context_lists_and_deletes_there_and_comes_back_after_a_restart() {
    const CTRL_T: &str = "\x14";
    let sims = TwoSims::start().await;
    run_pod(&sims.alpha, "only-alpha").await;
    run_pod(sims.beta(), "only-beta").await;
    let mut tui = sims.tui("restore_tabs: true\n");
    tui.wait_for("only-alpha").await;
    tui.send(":tab ctx nope\r");
    tui.wait_for("no context \"nope\" in the kubeconfig").await;
    tui.send(":tab ctx beta\r");
    let screen = tui
        .wait("beta's pods in a second tab", |s| {
            s.contains("only-beta") && !s.contains("only-alpha") && tab_bar(s).contains("beta/")
        })
        .await;
    assert!(tab_bar(&screen).contains("alpha/"), "{screen}");

    // A command typed in beta's tab opens beta's views; a delete there reaches beta only.
    tui.send(":ns shop\r");
    tui.wait("still beta's pods", |s| {
        s.contains("beta: pods") && s.contains("only-beta") && !s.contains("only-alpha")
    })
    .await;
    tui.send("/only-beta\r");
    tui.wait("only beta's row", |s| s.contains("</only-beta>"))
        .await;
    delete_only_beta(&mut tui, &sims).await;
    tui.send(ESC);
    tui.wait("the filter cleared", |s| !s.contains("</only-beta>"))
        .await;

    // Tab 1 is still alpha's.
    tui.send(CTRL_T);
    tui.send("1");
    tui.wait("alpha's pods in tab 1", |s| {
        s.contains("only-alpha") && !s.contains("beta: pods")
    })
    .await;
    tui.send("q");
    assert!(tui.exit().await, "tug exits cleanly");

    // The next start brings beta's tab back, talking to beta.
    run_pod(sims.beta(), "beta-again").await;
    let mut tui = sims.tui("restore_tabs: true\n");
    tui.wait_for("only-alpha").await;
    tui.send(CTRL_T);
    tui.send("2");
    tui.wait("beta's tab restored", |s| {
        s.contains("beta-again") && !s.contains("only-alpha") && tab_bar(s).contains("beta/")
    })
    .await;
}
