//! Label selectors as text, the way kubectl prints them and the API takes them (`a=b,c in (x,y)`), from a
//! `metav1.LabelSelector` or a plain label map (Service selectors, nodeSelectors).

use serde_json::Value;

/// `None` when the selector selects by nothing.
pub fn label_selector_text(sel: &Value) -> Option<String> {
    let structured = sel["matchLabels"].is_object() || sel["matchExpressions"].is_array();
    let labels = if structured { &sel["matchLabels"] } else { sel };
    let mut parts: Vec<String> = labels
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    for e in sel["matchExpressions"].as_array().into_iter().flatten() {
        let key = e["key"].as_str().unwrap_or_default();
        let mut values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        values.sort_unstable();
        parts.push(match e["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            op => format!("{key} {op}"),
        });
    }
    parts.sort();
    (!parts.is_empty()).then(|| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_selector_forms_print_sorted() {
        let structured = json!({"matchLabels": {"tier": "web", "app": "shop"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]});
        assert_eq!(
            label_selector_text(&structured).as_deref(),
            Some("app=shop,env in (dev,prod),tier=web")
        );
        assert_eq!(
            label_selector_text(&json!({"app": "web"})).as_deref(),
            Some("app=web")
        );
        assert_eq!(label_selector_text(&json!({})), None);
        assert_eq!(label_selector_text(&Value::Null), None);
    }
}
