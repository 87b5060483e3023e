//! The layers the README draws, held by the member crates' manifests: a crate may only use what its layer
//! allows (the compiler then keeps the arrows).

/// The names in a manifest's `[dependencies]` (and target-specific dependencies), not dev-dependencies.
fn dependencies(crate_dir: &str) -> Vec<String> {
    let path = format!(
        "{}/crates/{crate_dir}/Cargo.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut normal = false;
    let mut names = vec![];
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            normal = line == "[dependencies]"
                || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
        } else if normal && let Some((name, _)) = line.split_once(['=', '.']) {
            names.push(name.trim().to_string());
        }
    }
    assert!(!names.is_empty(), "no dependencies read from {path}");
    names
}

fn assert_none_of(crate_dir: &str, forbidden: &[&str]) {
    let deps = dependencies(crate_dir);
    for f in forbidden {
        assert!(
            !deps.iter().any(|d| d == f),
            "{crate_dir} must not depend on {f}: {deps:?}"
        );
    }
}

#[test]
fn the_model_crate_does_no_io() {
    assert_none_of(
        "tug-model",
        &[
            "kube",
            "k8s-openapi",
            "tokio",
            "axum",
            "hyper",
            "hyper-util",
            "ratatui",
            "crossterm",
            "tug-cluster",
            "tug-sim",
        ],
    );
}

#[test]
fn the_cluster_crate_never_touches_the_terminal() {
    assert_none_of(
        "tug-cluster",
        &["ratatui", "crossterm", "ratatui-textarea", "tug-sim"],
    );
}

#[test]
fn the_sim_crate_depends_on_the_model_only() {
    assert_none_of(
        "tug-sim",
        &[
            "tug-cluster",
            "kube",
            "ratatui",
            "crossterm",
            "ratatui-textarea",
        ],
    );
    assert!(dependencies("tug-sim").iter().any(|d| d == "tug-model"));
}
