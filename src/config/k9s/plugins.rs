//! k9s plugins (`plugins.yaml`, and one plugin or a `plugins:` map per file in the plugin dirs), and the
//! substitution k9s applies to their arguments (`$NAME`, `$COL-STATUS`, `$!VAR` for a negated boolean).
//! Pure: no processes are started here; the app builds the environment and the runtime runs the command.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One plugin, as k9s's `plugins.yaml` declares it (fields k9s accepts but tug does not use, such as
/// `pipes`, are ignored as k9s's YAML decoder ignores unknown fields).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Plugin {
    #[serde(default)]
    pub short_cut: String,
    /// Take the key even where a built-in has it.
    #[serde(default, rename = "override")]
    pub take_over: bool,
    #[serde(default)]
    pub description: String,
    /// Kinds by any name k9s accepts (`po`, `pods`, `v1/pods`, `apps/v1/deployments`), `all`, `containers`.
    #[serde(default)]
    pub scopes: Vec<String>,
    pub command: String,
    /// Strings or numbers (k9s's schema allows both; a number is passed as it is written).
    #[serde(default, deserialize_with = "strings_or_numbers")]
    pub args: Vec<String>,
    /// Run detached; the output goes to a view.
    #[serde(default)]
    pub background: bool,
    #[serde(default)]
    pub confirm: bool,
    /// Refused in read-only mode.
    #[serde(default)]
    pub dangerous: bool,
    #[serde(default)]
    pub overwrite_output: bool,
    /// A form filled in before the plugin runs; each value is `$INPUT_<NAME>`.
    #[serde(default)]
    pub inputs: Vec<Input>,
}

/// One field of a plugin's form.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(rename = "type", default)]
    pub kind: InputKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, deserialize_with = "scalar")]
    pub default: Option<String>,
    /// A dropdown's choices.
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    #[default]
    String,
    Number,
    Bool,
    Dropdown,
}

/// A default written as a string, a number or a boolean.
fn scalar<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Bool(bool),
        Arg(Arg),
    }
    Ok(Option::<Scalar>::deserialize(d)?.map(|s| match s {
        Scalar::Bool(b) => b.to_string(),
        Scalar::Arg(a) => a.into_string(),
    }))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Arg {
    Text(String),
    Int(i64),
    Float(f64),
}

impl Arg {
    fn into_string(self) -> String {
        match self {
            Arg::Text(s) => s,
            Arg::Int(n) => n.to_string(),
            Arg::Float(x) => x.to_string(),
        }
    }
}

fn strings_or_numbers<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let args: Vec<Arg> = Vec::deserialize(d)?;
    Ok(args.into_iter().map(Arg::into_string).collect())
}

/// A `plugins:` map.
#[derive(Debug, Deserialize)]
struct PluginsFile {
    /// `None` for `plugins:` with every entry commented out, which k9s accepts.
    #[serde(default)]
    plugins: Option<BTreeMap<String, Plugin>>,
}

/// Parses a `plugins.yaml` (a `plugins:` map).
pub fn parse_file(text: &str) -> Result<BTreeMap<String, Plugin>, String> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let file: PluginsFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    Ok(file.plugins.unwrap_or_default())
}

/// Parses a file of a plugin dir: a `plugins:` map, or one plugin named after the file (as k9s does).
pub fn parse_dir_file(stem: &str, text: &str) -> Result<BTreeMap<String, Plugin>, String> {
    let has_map = text
        .lines()
        .any(|l| l.starts_with("plugins:") || l.starts_with("\"plugins\":"));
    if has_map {
        return parse_file(text);
    }
    let one: Plugin = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    Ok(BTreeMap::from([(stem.to_string(), one)]))
}

/// Why a plugin's arguments could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubstituteError {
    /// k9s refuses an argument naming a variable it does not have; so does tug.
    #[error("no value for ${0}")]
    Unknown(String),
    /// A value from the cluster would become shell syntax.
    #[error("${var} holds shell syntax ({value:?}) and {command} is a shell: not run")]
    ShellSyntax {
        var: String,
        value: String,
        command: String,
    },
}

/// The shells tug knows: a value substituted into their arguments is code.
const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "ash", "csh", "tcsh", "busybox", "pwsh",
];

/// Whether `command` (a name or a path) is a shell.
pub fn is_shell(command: &str) -> bool {
    let base = command.rsplit('/').next().unwrap_or(command);
    SHELLS.contains(&base)
}

/// Characters that mean something to a shell: a value holding one is refused when the command is a shell.
fn has_shell_syntax(value: &str) -> bool {
    value.chars().any(|c| {
        matches!(
            c,
            ';' | '&'
                | '|'
                | '$'
                | '`'
                | '('
                | ')'
                | '<'
                | '>'
                | '\\'
                | '"'
                | '\''
                | '\n'
                | '\r'
                | '*'
                | '?'
                | '['
                | ']'
                | '{'
                | '}'
                | '~'
                | '#'
                | '!'
                | ' '
                | '\t'
        )
    })
}

/// The variable names in `arg`, as k9s's `\$(\!?[\w|\d|\-|]+)` finds them (with the `!` if negated).
fn variables(arg: &str) -> Vec<&str> {
    let bytes = arg.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i + 1;
            let mut j = start;
            if bytes.get(j) == Some(&b'!') {
                j += 1;
            }
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'_' | b'-' | b'|'))
            {
                j += 1;
            }
            if j > start + usize::from(bytes.get(start) == Some(&b'!')) {
                out.push(&arg[start..j]);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Go's `strconv.ParseBool`, which k9s uses to decide whether a value is a boolean.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Substitutes `env` into `arg` as k9s's `Env.Substitute` does: longest names first, names upper-cased,
/// booleans normalised to `true`/`false` and `$!NAME` negating them. `cluster` names the variables whose
/// values come from the cluster; when `shell` is set (the command is a shell), such a value holding shell
/// syntax is refused rather than substituted.
pub fn substitute(
    arg: &str,
    env: &BTreeMap<String, String>,
    cluster: &dyn Fn(&str) -> bool,
    shell: Option<&str>,
) -> Result<String, SubstituteError> {
    let mut found = variables(arg);
    found.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let mut out = arg.to_string();
    for k in found {
        let (key, inverse) = match k.strip_prefix('!') {
            Some(rest) => (rest, true),
            None => (k, false),
        };
        let key = key.to_ascii_uppercase();
        let Some(v) = env.get(&key) else {
            return Err(SubstituteError::Unknown(key));
        };
        let v = match parse_bool(v) {
            Some(b) => (b != inverse).to_string(),
            None => v.clone(),
        };
        if let Some(command) = shell
            && cluster(&key)
            && has_shell_syntax(&v)
        {
            return Err(SubstituteError::ShellSyntax {
                var: key,
                value: v,
                command: command.to_string(),
            });
        }
        out = out.replace(&format!("${k}"), &v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn arguments_are_substituted_as_k9s_does() {
        let e = env(&[
            ("NAME", "web-1"),
            ("NAMESPACE", "shop"),
            ("COL-STATUS", "Running"),
            ("DRY", "true"),
        ]);
        let all = |_: &str| true;
        assert_eq!(
            substitute("$NAMESPACE/$NAME", &e, &all, None).unwrap(),
            "shop/web-1"
        );
        assert_eq!(
            substitute("--status=$COL-STATUS", &e, &all, None).unwrap(),
            "--status=Running"
        );
        assert_eq!(substitute("$!DRY", &e, &all, None).unwrap(), "false");
        assert_eq!(substitute("$dry", &e, &all, None).unwrap(), "true");
        assert_eq!(
            substitute("$NOPE", &e, &all, None),
            Err(SubstituteError::Unknown("NOPE".into()))
        );
    }

    #[test]
    fn a_cluster_value_with_shell_syntax_is_refused_only_for_a_shell() {
        let e = env(&[("COL-NOTE", "x; touch pwned"), ("NAME", "$(id)")]);
        let all = |_: &str| true;
        assert!(matches!(
            substitute("echo $COL-NOTE", &e, &all, Some("bash")),
            Err(SubstituteError::ShellSyntax { .. })
        ));
        assert!(matches!(
            substitute("$NAME", &e, &all, Some("/bin/sh")),
            Err(SubstituteError::ShellSyntax { .. })
        ));
        // Not a shell: the value is one argument, never parsed.
        assert_eq!(
            substitute("$COL-NOTE", &e, &all, None).unwrap(),
            "x; touch pwned"
        );
        assert!(is_shell("/usr/bin/bash") && !is_shell("kubectl"));
    }

    #[test]
    fn a_plugin_dir_file_holds_one_plugin_or_a_map() {
        let one = parse_dir_file(
            "stern",
            "shortCut: Ctrl-L\ncommand: stern\nscopes: [pods]\n",
        )
        .unwrap();
        assert_eq!(one["stern"].short_cut, "Ctrl-L");
        let many = parse_dir_file(
            "x",
            "plugins:\n  a:\n    shortCut: a\n    command: echo\n    override: true\n",
        )
        .unwrap();
        assert!(many["a"].take_over);
        assert!(parse_file("plugins:\n  # none yet\n").unwrap().is_empty());
        let form = parse_dir_file(
            "f",
            "shortCut: f\ncommand: echo\ninputs:\n  - name: replicas\n    type: number\n    default: 3\n  - name: force\n    type: bool\n    default: false\n",
        )
        .unwrap();
        assert_eq!(form["f"].inputs[0].kind, InputKind::Number);
        assert_eq!(form["f"].inputs[0].default.as_deref(), Some("3"));
        assert_eq!(form["f"].inputs[1].default.as_deref(), Some("false"));
        let numbers =
            parse_dir_file("n", "shortCut: n\ncommand: sleep\nargs: [1, \"$NAME\"]\n").unwrap();
        assert_eq!(numbers["n"].args, ["1", "$NAME"]);
        let err =
            parse_file("plugins:\n  a:\n    shortCut: a\n    background: maybe\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
    }
}
