//! An object as YAML for reading, as `kubectl get -o yaml` prints it: managedFields hidden unless asked, and a
//! Secret's values masked or decoded.

use serde_json::Value;

/// How a Secret's `data` is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretData {
    /// Not a Secret (or shown as the API returns it).
    Raw,
    /// Values replaced by asterisks: shoulder-surfing and screen sharing are real.
    Masked,
    /// Base64-decoded to text, when the user asks.
    Decoded,
}

/// The object as YAML, `managedFields` hidden unless asked (as `kubectl get -o yaml` does by default).
pub fn to_yaml(obj: &Value, show_managed_fields: bool, secrets: SecretData) -> String {
    use base64::Engine as _;
    let mut obj = obj.clone();
    if !show_managed_fields && let Some(m) = obj["metadata"].as_object_mut() {
        m.remove("managedFields");
    }
    if secrets != SecretData::Raw
        && let Some(data) = obj["data"].as_object_mut()
    {
        for v in data.values_mut() {
            *v = match secrets {
                SecretData::Masked => Value::String("********".into()),
                _ => {
                    let raw = v.as_str().unwrap_or_default();
                    match base64::engine::general_purpose::STANDARD.decode(raw) {
                        Ok(bytes) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                        Err(_) => v.clone(),
                    }
                }
            };
        }
    }
    serde_saphyr::to_string(&obj).unwrap_or_else(|e| format!("# cannot render YAML: {e}\n"))
}
