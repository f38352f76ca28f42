//! Merging settings layers, remembering where every value came from.
//!
//! Claude Code's rules (CLAUDE-CODE-INTERFACE.md §4.1): a scalar from a
//! higher layer wins; arrays concatenate across layers (duplicates dropped,
//! higher layers' entries first); objects merge key by key. When two layers
//! disagree on a value's kind (an object here, a string there), the higher
//! layer's value stands whole. Pure functions over loaded layers.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::types::{LoadedSettings, ProvenanceEntry, SettingsLayer};

/// Which layer (index into the layer list) gave each part of a merged value.
enum Origins {
    /// A scalar.
    Leaf(usize),
    /// An object: the layer that introduced it, and its members.
    Object(usize, IndexMap<String, Origins>),
    /// An array: the layer that introduced it, and each element's layer.
    Array(usize, Vec<usize>),
}

/// Merges `layers` (highest precedence first) into one object and lists the
/// origin of each leaf in the merged object's order.
pub(crate) fn merge_layers(layers: &[SettingsLayer]) -> (Map<String, Value>, Vec<ProvenanceEntry>) {
    let mut merged = Value::Object(Map::new());
    let mut origins = Origins::Object(0, IndexMap::new());
    for (index, layer) in layers.iter().enumerate() {
        absorb(
            &mut merged,
            &mut origins,
            &Value::Object(layer.values.clone()),
            index,
        );
    }
    let mut provenance = Vec::new();
    if let (Value::Object(members), Origins::Object(_, member_origins)) = (&merged, &origins) {
        for (name, value) in members {
            if let Some(origin) = member_origins.get(name) {
                flatten(
                    &key_segment("", name),
                    value,
                    origin,
                    layers,
                    &mut provenance,
                );
            }
        }
    }
    let merged = match merged {
        Value::Object(members) => members,
        _ => Map::new(),
    };
    (merged, provenance)
}

/// Adds a lower layer's `lower` under the already merged `merged`.
fn absorb(merged: &mut Value, origins: &mut Origins, lower: &Value, layer: usize) {
    match (merged, origins, lower) {
        (Value::Object(members), Origins::Object(_, member_origins), Value::Object(incoming)) => {
            for (name, value) in incoming {
                if !members.contains_key(name) {
                    let (fresh, fresh_origins) = match value {
                        Value::Object(_) => (
                            Value::Object(Map::new()),
                            Origins::Object(layer, IndexMap::new()),
                        ),
                        Value::Array(_) => {
                            (Value::Array(Vec::new()), Origins::Array(layer, Vec::new()))
                        }
                        scalar => (scalar.clone(), Origins::Leaf(layer)),
                    };
                    members.insert(name.clone(), fresh);
                    member_origins.insert(name.clone(), fresh_origins);
                }
                if let (Some(slot), Some(slot_origins)) =
                    (members.get_mut(name), member_origins.get_mut(name))
                {
                    absorb(slot, slot_origins, value, layer);
                }
            }
        }
        (Value::Array(items), Origins::Array(_, item_origins), Value::Array(incoming)) => {
            for item in incoming {
                if !items.contains(item) {
                    items.push(item.clone());
                    item_origins.push(layer);
                }
            }
        }
        // Scalars, and values whose kind differs: the higher layer stands.
        _ => {}
    }
}

/// Appends one entry per leaf of `value` under `key`.
fn flatten(
    key: &str,
    value: &Value,
    origins: &Origins,
    layers: &[SettingsLayer],
    out: &mut Vec<ProvenanceEntry>,
) {
    let mut push = |key: String, value: &Value, layer: usize| {
        if let Some(layer) = layers.get(layer) {
            out.push(ProvenanceEntry {
                key,
                value: value.clone(),
                origin: layer.origin.clone(),
            });
        }
    };
    match (value, origins) {
        (Value::Object(members), Origins::Object(layer, member_origins)) => {
            if members.is_empty() {
                push(key.to_owned(), value, *layer);
            }
            for (name, member) in members {
                if let Some(origin) = member_origins.get(name) {
                    flatten(&key_segment(key, name), member, origin, layers, out);
                }
            }
        }
        (Value::Array(items), Origins::Array(layer, item_origins)) => {
            if items.is_empty() {
                push(key.to_owned(), value, *layer);
            }
            for (index, (item, layer)) in items.iter().zip(item_origins).enumerate() {
                push(format!("{key}[{index}]"), item, *layer);
            }
        }
        (_, Origins::Leaf(layer)) => push(key.to_owned(), value, *layer),
        _ => {}
    }
}

/// `prefix.name`, quoting `name` as JSON when it is not a plain identifier.
fn key_segment(prefix: &str, name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let name = if plain {
        name.to_owned()
    } else {
        Value::String(name.to_owned()).to_string()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}.{name}")
    }
}

/// The merged settings as `rudder config` prints them: one line per leaf,
/// `key = value` then the scope and file it came from, in merged order.
/// Stable for the same inputs.
pub fn render_provenance(loaded: &LoadedSettings) -> String {
    let mut text = String::new();
    for entry in &loaded.provenance {
        text.push_str(&format!(
            "{} = {}    # {}\n",
            entry.key, entry.value, entry.origin
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;
    use crate::settings::types::{SettingsOrigin, SettingsScope};

    fn layer(scope: SettingsScope, name: &str, values: Value) -> SettingsLayer {
        let Value::Object(values) = values else {
            panic!("object expected")
        };
        SettingsLayer {
            origin: SettingsOrigin {
                scope,
                path: PathBuf::from(name),
            },
            base_dir: PathBuf::from("/"),
            values,
        }
    }

    #[test]
    fn precedence_and_merging_table() {
        // (higher layer, lower layer, merged)
        let cases = [
            (
                json!({"model": "opus"}),
                json!({"model": "haiku"}),
                json!({"model": "opus"}),
            ),
            (
                json!({}),
                json!({"model": "haiku"}),
                json!({"model": "haiku"}),
            ),
            (
                json!({"permissions": {"allow": ["A", "B"]}}),
                json!({"permissions": {"allow": ["B", "C"], "deny": ["D"]}}),
                json!({"permissions": {"allow": ["A", "B", "C"], "deny": ["D"]}}),
            ),
            (
                json!({"env": {"X": "1"}}),
                json!({"env": {"X": "2", "Y": "3"}}),
                json!({"env": {"X": "1", "Y": "3"}}),
            ),
            (
                json!({"sandbox": false}),
                json!({"sandbox": {"enabled": true}}),
                json!({"sandbox": false}),
            ),
            (json!({"a": null}), json!({"a": 1}), json!({"a": null})),
            (
                json!({"list": ["x", "x"]}),
                json!({}),
                json!({"list": ["x"]}),
            ),
        ];
        for (high, low, expected) in cases {
            let layers = [
                layer(SettingsScope::Project, "high", high.clone()),
                layer(SettingsScope::User, "low", low.clone()),
            ];
            let (merged, _) = merge_layers(&layers);
            assert_eq!(Value::Object(merged), expected, "{high} over {low}");
        }
    }

    #[test]
    fn provenance_names_the_file_of_each_leaf() {
        let layers = [
            layer(
                SettingsScope::Local,
                "local.json",
                json!({"permissions": {"allow": ["A"]}, "model": "opus"}),
            ),
            layer(
                SettingsScope::User,
                "user.json",
                json!({"permissions": {"allow": ["B"]}, "model": "haiku", "env": {}}),
            ),
        ];
        let loaded = LoadedSettings {
            provenance: merge_layers(&layers).1,
            ..LoadedSettings::default()
        };
        assert_eq!(
            render_provenance(&loaded),
            "permissions.allow[0] = \"A\"    # local local.json\n\
             permissions.allow[1] = \"B\"    # user user.json\n\
             model = \"opus\"    # local local.json\n\
             env = {}    # user user.json\n"
        );
    }

    #[test]
    fn odd_keys_are_quoted() {
        assert_eq!(key_segment("env", "MY.VAR"), "env.\"MY.VAR\"");
        assert_eq!(key_segment("", "model"), "model");
    }
}
