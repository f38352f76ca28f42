//! The layer rule of ARCHITECTURE.md: dependencies between rudder crates
//! point down only, `rudder-protocol` depends on serde alone, and the
//! testkit is never a normal dependency of anything.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// Rank of each crate; a normal dependency must have a lower rank.
fn ranks() -> BTreeMap<&'static str, u32> {
    BTreeMap::from([
        ("rudder-protocol", 0),
        ("rudder-model", 1),
        ("rudder-tools", 2),
        ("rudder-policy", 2),
        ("rudder-config", 2),
        ("rudder-mcp", 2),
        ("rudder-core", 3),
        ("rudder-tui", 4),
        ("rudder-cli", 5),
        ("rudder-testkit", 1),
    ])
}

fn metadata() -> Value {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// `(crate, dependency, kind)` for every dependency of every workspace crate.
fn edges(metadata: &Value) -> Vec<(String, String, String)> {
    let mut edges = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().unwrap_or_default().to_owned();
        for dependency in package["dependencies"].as_array().expect("dependencies") {
            let kind = dependency["kind"].as_str().unwrap_or("normal").to_owned();
            edges.push((
                name.clone(),
                dependency["name"].as_str().unwrap_or_default().to_owned(),
                kind,
            ));
        }
    }
    edges
}

#[test]
fn every_workspace_crate_has_a_rank() {
    let metadata = metadata();
    let ranks = ranks();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().unwrap_or_default();
        assert!(
            ranks.contains_key(name),
            "{name} has no layer in this test; add it to ranks()"
        );
    }
}

#[test]
fn dependencies_point_down_only() {
    let ranks = ranks();
    let mut violations = Vec::new();
    for (from, to, kind) in edges(&metadata()) {
        let (Some(from_rank), Some(to_rank)) = (ranks.get(from.as_str()), ranks.get(to.as_str()))
        else {
            continue;
        };
        if kind == "dev" {
            continue;
        }
        if to == "rudder-testkit" {
            violations.push(format!("{from} has a {kind} dependency on the testkit"));
        } else if to_rank >= from_rank {
            violations.push(format!(
                "{from} (layer {from_rank}) depends on {to} (layer {to_rank})"
            ));
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_protocol_crate_depends_on_serde_only() {
    let allowed = ["serde", "serde_json"];
    let extra: Vec<String> = edges(&metadata())
        .into_iter()
        .filter(|(from, to, kind)| {
            from == "rudder-protocol" && kind != "dev" && !allowed.contains(&to.as_str())
        })
        .map(|(_, to, _)| to)
        .collect();
    assert!(
        extra.is_empty(),
        "rudder-protocol must stay plain data; it depends on {extra:?}"
    );
}
