//! Set image (`i`): a dialog listing each container and init container of a pod or workload with its image,
//! any of which may be edited; Enter previews the change as a diff and asks, and only then is the
//! strategic-merge patch sent (`Op::SetImage`). Keys are taken as typed: the fields are text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::actions::Dialog;
use super::{App, Effect, Mode};
use tug_cluster::mutate::{Mutation, ObjectRef, Op};
use tug_model::mutation::ContainerImage;

/// One container's row in the dialog: its image now and the text typed for it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageField {
    pub current: ContainerImage,
    pub input: String,
}

impl ImageField {
    pub fn changed(&self) -> bool {
        self.input.trim() != self.current.image
    }
}

/// An image reference is one word; anything else is a typo the server would only reject later.
const MAX_IMAGE: usize = 512;

impl App {
    /// The object's containers were read: open the dialog with each field holding its current image.
    pub(super) fn set_image_dialog(&mut self, target: ObjectRef, images: Vec<ContainerImage>) {
        if images.is_empty() {
            self.flash(
                format!(
                    "{}/{} has no containers",
                    target.kind.kind.to_lowercase(),
                    target.name
                ),
                false,
            );
            return;
        }
        let fields = images
            .into_iter()
            .map(|current| ImageField {
                input: current.image.clone(),
                current,
            })
            .collect();
        self.mode = Mode::Dialog(Box::new(Dialog::SetImage {
            target,
            fields,
            cursor: 0,
            error: None,
        }));
    }

    /// Up/Down (or Tab) choose a container, typing edits its image (Ctrl-U clears it), Enter previews,
    /// Esc cancels.
    pub(super) fn set_image_key(
        &mut self,
        key: KeyEvent,
        target: ObjectRef,
        mut fields: Vec<ImageField>,
        mut cursor: usize,
    ) -> Vec<Effect> {
        let mut error = None;
        let last = fields.len().saturating_sub(1);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return self.cancel_dialog(),
            KeyCode::Up | KeyCode::BackTab => cursor = cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => cursor = (cursor + 1).min(last),
            KeyCode::Enter => match preview(&target, &fields) {
                Ok((lines, mutation)) => {
                    let obj = format!("{}/{}", target.kind.kind.to_lowercase(), target.name);
                    self.confirm(format!("Set image of {obj}?"), lines, mutation);
                    return vec![];
                }
                Err(e) => error = Some(e),
            },
            KeyCode::Char('u') if ctrl => {
                if let Some(f) = fields.get_mut(cursor) {
                    f.input.clear();
                }
            }
            KeyCode::Backspace => {
                if let Some(f) = fields.get_mut(cursor) {
                    f.input.pop();
                }
            }
            KeyCode::Char(c) if !ctrl && !c.is_whitespace() => {
                if let Some(f) = fields.get_mut(cursor).filter(|f| f.input.len() < MAX_IMAGE) {
                    f.input.push(c);
                }
            }
            _ => {}
        }
        self.mode = Mode::Dialog(Box::new(Dialog::SetImage {
            target,
            fields,
            cursor,
            error,
        }));
        vec![]
    }
}

/// The confirmation's lines (a diff of each changed image) and the mutation, or why there is none.
fn preview(target: &ObjectRef, fields: &[ImageField]) -> Result<(Vec<String>, Mutation), String> {
    let changed: Vec<&ImageField> = fields.iter().filter(|f| f.changed()).collect();
    if changed.is_empty() {
        return Err("no image changed: type a new one first".into());
    }
    if let Some(f) = changed.iter().find(|f| f.input.trim().is_empty()) {
        return Err(format!("the image of {} cannot be empty", f.current.name));
    }
    let mut lines = vec![
        format!(
            "in namespace {}, as a strategic-merge patch (other containers untouched):",
            target.ns()
        ),
        String::new(),
    ];
    for f in &changed {
        let what = if f.current.init {
            "init container"
        } else {
            "container"
        };
        lines.push(format!("  {what} {}:", f.current.name));
        lines.push(format!("-   image: {}", f.current.image));
        lines.push(format!("+   image: {}", f.input.trim()));
    }
    let images = changed
        .iter()
        .map(|f| ContainerImage {
            image: f.input.trim().to_string(),
            ..f.current.clone()
        })
        .collect();
    Ok((
        lines,
        Mutation::new(target.clone(), Op::SetImage { images }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, image: &str, input: &str) -> ImageField {
        ImageField {
            current: ContainerImage {
                name: name.into(),
                image: image.into(),
                init: false,
            },
            input: input.into(),
        }
    }

    fn target() -> ObjectRef {
        let kind = tug_model::kind::Kind {
            group: "apps".into(),
            version: "v1".into(),
            plural: "deployments".into(),
            kind: "Deployment".into(),
            namespaced: true,
            short_names: vec![],
            verbs: vec![],
        };
        ObjectRef::new(kind, "shop", "backend")
    }

    #[test]
    fn the_preview_diffs_only_the_changed_images_and_sends_only_those() {
        let fields = [field("app", "a:1", " a:2 "), field("envoy", "e:1", "e:1")];
        let (lines, m) = preview(&target(), &fields).unwrap();
        assert!(lines.contains(&"-   image: a:1".to_string()), "{lines:?}");
        assert!(lines.contains(&"+   image: a:2".to_string()), "{lines:?}");
        assert!(!lines.iter().any(|l| l.contains("envoy")), "{lines:?}");
        let Op::SetImage { images } = m.op else {
            panic!("{m:?}")
        };
        assert_eq!(images.len(), 1);
        assert_eq!(
            (images[0].name.as_str(), images[0].image.as_str()),
            ("app", "a:2")
        );
    }

    #[test]
    fn nothing_changed_or_an_empty_image_is_refused_before_anything_is_sent() {
        assert!(preview(&target(), &[field("app", "a:1", "a:1")]).is_err());
        assert!(preview(&target(), &[field("app", "a:1", "")]).is_err());
    }
}
