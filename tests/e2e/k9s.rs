//! k9s's files as they are (`tests/fixtures/k9s/`): a plugin's key in the hints runs it with k9s's
//! environment, a background plugin's output lands in a view, a dangerous one is refused read-only, a
//! hostile cell never reaches a shell, hotkeys and aliases open their views, custom columns show JSONPath
//! values and sort as `views.yaml` says, a skin colours the header and
//! the table, and a broken file is reported with its line while the rest works.

use std::path::{Path, PathBuf};

use crate::common::TestSim;
use crate::harness::Tui;

const ENTER: &str = "\r";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k9s")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A home for one run: k9s's config dir is the fixtures', its data dir a copy (tug writes its own data
/// beside it), `record-env` on PATH, and where that script records.
struct Home {
    dir: tempfile::TempDir,
    path: String,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join("data"), &dir.path().join("data"));
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let path = format!(
            "{}:{}",
            fixtures().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Self { dir, path }
    }

    fn record(&self) -> PathBuf {
        self.dir.path().join("record")
    }

    fn start(&self, sim: &TestSim, args: &[&str], cols: u16) -> Tui {
        let config = fixtures().join("config");
        let (data, xdg_config, record) = (
            self.dir.path().join("data"),
            self.dir.path().join("config"),
            self.record(),
        );
        Tui::start_with_env(
            &sim.kubeconfig(),
            args,
            cols,
            // Tall enough for every pod of the demo world: views.yaml sorts pods by NAME descending,
            // so `coredns` is near the bottom of `pods -A`.
            50,
            &[
                ("K9S_CONFIG_DIR", config.as_path()),
                ("XDG_CONFIG_HOME", xdg_config.as_path()),
                ("XDG_DATA_HOME", data.as_path()),
                ("PATH", Path::new(&self.path)),
                ("TUG_TEST_RECORD", record.as_path()),
            ],
        )
    }
}

/// Narrows the table to the one row named like `name` and returns its full name.
async fn only(tui: &mut Tui, name: &str) -> String {
    tui.send(&format!("/{name}"));
    tui.send(ENTER);
    tui.wait(&format!("one {name} row"), |s| {
        s.lines().filter(|l| l.starts_with(name)).count() == 1 && s.contains(&format!("</{name}>"))
    })
    .await
    .lines()
    .find(|l| l.starts_with(name))
    .and_then(|l| l.split_whitespace().next())
    .unwrap()
    .to_string()
}

async fn recorded(path: &Path) -> String {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.contains("NAMESPACE=")
        {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing recorded at {}",
            path.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_plugin_key_is_hinted_and_runs_with_the_k9s_environment() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let mut tui = home.start(&sim, &[], 220);
    tui.wait_for("gpu-worker").await;
    let pod = only(&mut tui, "redis").await;
    // The start-up flash (the fixtures' broken file) went with the first key: the hints show.
    let screen = tui.wait_for("O:Record env").await;
    assert!(screen.contains("B:Echo in background"), "{screen}");
    assert!(
        !screen.contains("Record database"),
        "a backups plugin is not offered on pods"
    );
    tui.send("O");
    let text = recorded(&home.record()).await;
    // `$COL-STATUS` is in the arguments; in the environment too, but a name with `-` does not survive `sh`
    // (which runs the script), so it is not checked there.
    for line in [
        "arg=shop".to_string(),
        format!("arg={pod}"),
        "arg=Running".into(),
        "arg=tug-sim".into(),
        "arg=pods".into(),
        "NAMESPACE=shop".into(),
        format!("NAME={pod}"),
        format!("POD={pod}"),
        "CONTEXT=tug-sim".into(),
        "CLUSTER=tug-sim".into(),
        "RESOURCE_NAME=pods".into(),
        "RESOURCE_VERSION=v1".into(),
        "RESOURCE_GROUP=".into(),
        "FILTER=redis".into(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in:\n{text}");
    }
    // The terminal came back with a full repaint.
    tui.wait_for("Record env: done (exit code 0)").await;
    tui.wait_for(&pod).await;
    // The help lists it under its description.
    tui.send("?");
    tui.wait_for("Record env (plugin record-env: po)").await;
}

#[tokio::test]
async fn a_plugin_form_is_filled_in_before_it_runs() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let mut tui = home.start(&sim, &[], 160);
    tui.wait_for("gpu-worker").await;
    let pod = only(&mut tui, "redis").await;
    tui.send("I");
    tui.wait_for("Replicas*: 2▏").await;
    tui.send("\x7f");
    tui.wait_for("Replicas*: ▏").await;
    tui.send(ENTER);
    tui.wait_for("replicas is required").await;
    tui.send("20");
    tui.send("\t");
    tui.wait_for("› force: [ ]").await;
    tui.send(" ");
    tui.send("\t");
    tui.wait_for("› mode: ‹ fast ›").await;
    tui.send(" ");
    tui.wait_for("› mode: ‹ safe ›").await;
    tui.send(ENTER);
    let text = recorded(&home.record()).await;
    let args: Vec<&str> = text.lines().filter(|l| l.starts_with("arg=")).collect();
    assert_eq!(
        args,
        [
            "arg=20",
            "arg=true",
            "arg=false",
            "arg=safe",
            &format!("arg={pod}")
        ],
        "{text}"
    );
}

#[tokio::test]
async fn a_background_plugin_shows_its_output_in_a_view_and_its_exit_code() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let mut tui = home.start(&sim, &[], 160);
    tui.wait_for("gpu-worker").await;
    let pod = only(&mut tui, "redis").await;
    tui.send("B");
    let screen = tui
        .wait_for(&format!("background output for {pod} in shop"))
        .await;
    assert!(screen.contains("plugin: Echo in background"), "{screen}");
    assert!(
        screen.contains("Echo in background: done (exit code 0)"),
        "{screen}"
    );
    tui.send("\x1b");
    tui.wait_for(&pod).await;
}

#[tokio::test]
async fn a_dangerous_plugin_is_refused_in_read_only_mode() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let mut tui = home.start(&sim, &["--readonly"], 160);
    tui.wait_for("gpu-worker").await;
    let pod = only(&mut tui, "redis").await;
    tui.wait_for("X:Force delete").await;
    tui.send("X");
    tui.wait_for("read-only mode: Force delete is disabled (dangerous plugin)")
        .await;
    let (ok, out, _) = sim.kubectl(&["get", "pod", &pod, "-n", "shop"]).await;
    assert!(ok && out.contains(&pod), "the pod is still there");
}

#[tokio::test]
async fn a_hostile_cell_never_reaches_a_shell() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let evil = r#"{"apiVersion": "shop.example.com/v1", "kind": "Backup",
        "metadata": {"name": "evil", "namespace": "shop"},
        "spec": {"database": "x; touch pwned $(touch pwned2)", "schedule": "@daily", "retentionDays": 1}}"#;
    let (ok, _, err) = sim.kubectl_stdin(&["apply", "-f", "-"], Some(evil)).await;
    assert!(ok, "{err}");
    let mut tui = home.start(&sim, &["-c", "bkp"], 200);
    tui.wait_for("evil").await;
    only(&mut tui, "evil").await;
    tui.wait_for("Q:Record database").await;
    tui.send("Q");
    tui.wait_for("Record database not run: $COL-DATABASE holds shell syntax")
        .await;
    // A plain one runs: the refusal was the value's, not the plugin's.
    tui.send("\x1b");
    // (Waited for, so the next key is not read with Esc as one Alt- key.)
    tui.wait("the filter cleared", |s| !s.contains("</evil>"))
        .await;
    only(&mut tui, "orders").await;
    tui.send("Q");
    let text = recorded(&home.record()).await;
    assert!(text.lines().any(|l| l == "arg=orders"), "{text}");
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("pwned").exists());
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("pwned2")
            .exists()
    );
}

#[tokio::test]
async fn hotkeys_and_aliases_open_their_views() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let mut tui = home.start(&sim, &[], 160);
    tui.wait_for("gpu-worker").await;
    // Shift-0 is `pods -A`.
    tui.send(")");
    tui.wait("pods of every namespace", |s| {
        s.contains("coredns") && s.contains("gpu-worker")
    })
    .await;
    // Shift-1 is `deploy kube-system`.
    tui.send("!");
    tui.wait("kube-system's deployments", |s| {
        s.contains("coredns") && !s.contains("frontend") && s.contains("deployments")
    })
    .await;
    // `crs: pods -n kube-system`.
    tui.send(":crs");
    tui.send(ENTER);
    tui.wait("kube-system's pods", |s| {
        s.contains("kube-proxy") && !s.contains("gpu-worker")
    })
    .await;
    // `bkp: shop.example.com/v1/backups`.
    tui.send(":ns shop");
    tui.send(ENTER);
    tui.send(":bkp");
    tui.send(ENTER);
    tui.wait_for("orders").await;
}

#[tokio::test]
async fn a_k9s_skin_colours_the_header_and_the_table() {
    let sim = TestSim::start().await;
    let home = Home::new();
    // The skin named in k9s's config.yaml, with anchors.
    let tui = home.start(&sim, &[], 160);
    let screen = tui.wait_for("gpu-worker").await;
    let header_row = screen
        .lines()
        .position(|l| l.trim_start().starts_with("NAME"))
        .unwrap() as u16;
    let row = screen
        .lines()
        .position(|l| l.starts_with("postgres-0"))
        .unwrap() as u16;
    assert_eq!(
        tui.fg(0, 1),
        Some(vt100::Color::Rgb(0xff, 0x79, 0xc6)),
        "header: info.fgColor"
    );
    assert_eq!(
        tui.bg(0, 1),
        Some(vt100::Color::Rgb(0x28, 0x2a, 0x36)),
        "header: body.bgColor"
    );
    assert_eq!(
        tui.fg(header_row, 0),
        Some(vt100::Color::Rgb(255, 165, 0)),
        "views.table.header"
    );
    assert_eq!(
        tui.fg(row, 0),
        Some(vt100::Color::Rgb(0xf8, 0xf8, 0xf2)),
        "views.table.fgColor"
    );
    assert_eq!(
        tui.bg(row, 0),
        Some(vt100::Color::Rgb(0x28, 0x2a, 0x36)),
        "views.table.bgColor"
    );
    drop(tui);
    // Another by name.
    let tui = home.start(&sim, &["--theme", "k9s:plain"], 160);
    let screen = tui.wait_for("gpu-worker").await;
    let header_row = screen
        .lines()
        .position(|l| l.trim_start().starts_with("NAME"))
        .unwrap() as u16;
    assert_eq!(tui.fg(0, 1), Some(vt100::Color::Rgb(255, 215, 0)), "gold");
    assert_eq!(
        tui.fg(header_row, 0),
        Some(vt100::Color::Rgb(30, 144, 255)),
        "dodgerblue"
    );
}

#[tokio::test]
async fn a_broken_file_is_reported_with_its_line_and_the_rest_works() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let mut tui = home.start(&sim, &[], 250);
    let screen = tui.wait_for("gpu-worker").await;
    assert!(screen.contains("broken.yaml"), "{screen}");
    assert!(screen.contains("line 4"), "{screen}");
    // The flash goes with the next key; the plugins from the other files are there.
    tui.send("j");
    let screen = tui.wait_for("O:Record env").await;
    assert!(!screen.contains("Broken plugin"), "{screen}");
    tui.send(")");
    tui.wait_for("coredns").await;
}

/// The rows' names, top to bottom, of a table whose first column is NAME.
fn row_names(screen: &str, names: &[&str]) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| names.contains(w))
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn custom_columns_show_jsonpath_values_in_order_and_sort_as_views_yaml_says() {
    let sim = TestSim::start().await;
    let home = Home::new();
    let mut tui = home.start(&sim, &[], 200);
    let all = sim
        .kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "shop",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .await;
    let all: Vec<&str> = all.split_whitespace().collect();
    let screen = tui.wait_for("gpu-worker").await;
    let header = screen
        .lines()
        .find(|l| l.trim_start().starts_with("NAME"))
        .unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["NAME", "IMAGE", "STATUS", "NODE", "AGE"],
        "{screen}"
    );
    // `sortColumn: NAME:desc`.
    let shown = row_names(&screen, &all);
    let mut want = shown.clone();
    want.sort_by(|a, b| b.cmp(a));
    assert!(shown.len() > 2, "{screen}");
    assert_eq!(shown, want, "{screen}");
    assert_eq!(shown[0], *all.iter().max().unwrap());
    // `:sort` still works.
    tui.send(":sort NAME");
    tui.send(ENTER);
    let first = *all.iter().min().unwrap();
    tui.wait("ascending by name", |s| {
        row_names(s, &all).first().map(String::as_str) == Some(first)
    })
    .await;
    // The computed cells are kubectl's `-o jsonpath` values.
    let pod = only(&mut tui, "redis").await;
    let screen = tui.wait_for(&pod).await;
    let cells: Vec<&str> = screen
        .lines()
        .find(|l| l.starts_with(&pod))
        .unwrap()
        .split_whitespace()
        .collect();
    for (at, path) in [(1, "{.spec.containers[0].image}"), (3, "{.spec.nodeName}")] {
        let want = sim
            .kubectl_ok(&[
                "get",
                "pod",
                "-n",
                "shop",
                &pod,
                "-o",
                &format!("jsonpath={path}"),
            ])
            .await;
        assert_eq!(cells[at], want.trim(), "{path} in {cells:?}");
    }
    // Whole objects only for the kind with JSONPath columns; other kinds still get metadata only.
    tui.send(":deploy");
    tui.send(ENTER);
    tui.wait_for("frontend").await;
    let log = sim.get_json("/_sim/requests?since=0").await;
    let asked = |plural: &str| -> Vec<String> {
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(plural)))
            .filter_map(|r| r["query"].as_str())
            .filter(|q| q.contains("includeObject"))
            .map(String::from)
            .collect()
    };
    let (pods, deploys) = (asked("/pods"), asked("/deployments"));
    assert!(!pods.is_empty() && !deploys.is_empty(), "{log}");
    assert!(
        pods.iter().all(|q| q.contains("includeObject=Object")),
        "{pods:?}"
    );
    assert!(
        deploys.iter().all(|q| q.contains("includeObject=Metadata")),
        "{deploys:?}"
    );
}

#[tokio::test]
async fn a_bad_jsonpath_is_reported_and_its_column_shows_err() {
    let sim = TestSim::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("k9s");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("views.yaml"),
        "views:\n  v1/pods:\n    columns: [NAME, \"OOPS:.spec.containers[0\", STATUS]\n",
    )
    .unwrap();
    let empty = dir.path().join("empty");
    let tui = Tui::start_with_env(
        &sim.kubeconfig(),
        &[],
        200,
        30,
        &[
            ("K9S_CONFIG_DIR", config.as_path()),
            ("XDG_CONFIG_HOME", empty.as_path()),
            ("XDG_DATA_HOME", empty.as_path()),
        ],
    );
    let screen = tui.wait_for("gpu-worker").await;
    assert!(screen.contains("views.yaml"), "{screen}");
    assert!(screen.contains("column OOPS: bad JSONPath"), "{screen}");
    let row = screen
        .lines()
        .find(|l| l.starts_with("gpu-worker"))
        .unwrap();
    assert_eq!(row.split_whitespace().nth(1), Some("<err>"), "{screen}");
}
