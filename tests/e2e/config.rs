//! User configuration in effect: a rebound key and a recoloured element; a broken file is reported with its
//! line and tug runs on defaults. Also secrets masking and context switching.

use crate::common::TestSim;
use crate::harness::Tui;

const ENTER: &str = "\r";
const ESC: &str = "\x1b";

fn config_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tug")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join("tug").join(name), text).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_user_keymap_and_theme_take_effect() {
    let sim = TestSim::start().await;
    let dir = config_dir(&[
        ("keymap.yaml", "describe: [i]\n"),
        ("theme.yaml", "header: {fg: white, bg: \"#ff0000\"}\n"),
    ]);
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &[],
        100,
        30,
        &[("XDG_CONFIG_HOME", dir.path())],
    );
    tui.wait_for("gpu-worker").await;
    assert_eq!(
        tui.bg(0, 1),
        Some(vt100::Color::Rgb(255, 0, 0)),
        "the header is recoloured"
    );
    tui.send("d");
    tui.send("?");
    let help = tui.wait_for("describe the selected object").await;
    let line = help
        .lines()
        .find(|l| l.contains("describe the selected object"))
        .unwrap();
    assert!(
        line.trim_start_matches(['│', ' ']).starts_with("i "),
        "help shows the rebound key: {line}"
    );
    tui.send("x");
    tui.wait("help closed", |s| !s.contains("this help")).await;
    assert!(!tui.screen().contains("describe/"), "d no longer describes");
    tui.send("i");
    tui.wait_for("describe/").await;
}

#[tokio::test]
async fn a_broken_keymap_is_reported_with_its_line_and_defaults_apply() {
    let sim = TestSim::start().await;
    let dir = config_dir(&[("keymap.yaml", "yaml: [y]\ndescribe: [Hyper-Q]\n")]);
    let mut tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &[],
        120,
        30,
        &[("XDG_CONFIG_HOME", dir.path())],
    );
    let screen = tui.wait_for("gpu-worker").await;
    assert!(
        screen.contains("keymap.yaml: line 2: unknown key \"Hyper-Q\" (using defaults)"),
        "{screen}"
    );
    tui.send("d");
    tui.wait_for("describe/").await;
}

#[tokio::test]
async fn secrets_are_masked_until_decoded() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &["-c", "secrets"], 100, 30);
    tui.wait_for("postgres-credentials").await;
    tui.send("/postgres");
    tui.send(ENTER);
    tui.wait("filtered", |s| !s.contains("shop-tls")).await;
    tui.send("y");
    let screen = tui.wait_for("kind: Secret").await;
    assert!(screen.contains("password: \"********\""), "{screen}");
    assert!(
        !screen.contains("czNjcjN0"),
        "no base64 of the value on screen"
    );
    tui.send("x");
    tui.wait_for("s3cr3t-passw0rd").await;
    tui.send(ESC);
    tui.wait("back", |s| s.contains("TYPE")).await;
}

#[tokio::test]
async fn contexts_list_and_switch() {
    let sim = TestSim::start().await;
    let mut tui = Tui::start(&sim.kubeconfig(), &[], 100, 30);
    tui.wait_for("user:admin").await;
    tui.send(":ctx");
    tui.send(ENTER);
    let screen = tui.wait_for("tug-sim-viewer").await;
    assert!(screen.contains("contexts"), "{screen}");
    tui.send("j");
    tui.send(ENTER);
    tui.wait("switched to the viewer", |s| {
        s.contains("user:viewer") && s.contains("gpu-worker")
    })
    .await;
    tui.send(":secrets");
    tui.send(ENTER);
    tui.wait_for("forbidden").await;
}
