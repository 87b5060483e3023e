//! k9s hotkeys (`hotkeys.yaml`): a key that runs a `:` command, such as `Shift-0` → `pods -A`.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Hotkey {
    pub short_cut: String,
    #[serde(default, rename = "override")]
    pub take_over: bool,
    #[serde(default)]
    pub description: String,
    pub command: String,
    /// k9s keeps the view history when set; tug's `:` commands always replace the stack, so it is accepted
    /// and has no effect.
    #[serde(default)]
    pub keep_history: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HotkeysFile {
    /// `None` for `hotKeys:` with every entry commented out.
    #[serde(default)]
    hot_keys: Option<BTreeMap<String, Hotkey>>,
}

pub fn parse(text: &str) -> Result<BTreeMap<String, Hotkey>, String> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let f: HotkeysFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    Ok(f.hot_keys.unwrap_or_default())
}
