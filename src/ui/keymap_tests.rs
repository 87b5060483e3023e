//! A rebound key shows everywhere keys are read: the lookup, the help and the footer hints.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render;
use crate::app::{App, AppEvent};
use crate::config::Action;
use crate::config::keymap::Scope;

fn pods_app(keymap: &str) -> App {
    let mut app = super::tests::app_with_pods(vec![]);
    app.keymap.overlay(keymap).unwrap();
    app
}

fn screen(app: &mut App) -> Vec<String> {
    let (w, h) = (100, 40);
    app.size = (w, h);
    app.prepare();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| render(app, f)).unwrap();
    let buf = terminal.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    app.handle(AppEvent::Key(KeyEvent::new(code, modifiers)));
}

#[test]
fn the_default_footer_hints_a_table_as_before() {
    let mut app = pods_app("{}");
    let lines = screen(&mut app);
    let footer = lines.last().unwrap();
    assert!(
        footer.contains("<pods>  ?:help :kind /filter ⏎:open y:yaml d:describe esc:back q:quit"),
        "{footer}"
    );
}

#[test]
fn rebinding_describe_changes_the_lookup_the_help_and_the_hints() {
    let mut app = pods_app("describe: [Shift-X]\n");
    let shift_x = KeyEvent::new(KeyCode::Char('X'), KeyModifiers::SHIFT);
    let d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::NONE);
    assert_eq!(
        app.keymap.action(&shift_x, Scope::Table),
        Some(Action::Describe)
    );
    assert_eq!(app.keymap.action(&d, Scope::Table), None);

    let lines = screen(&mut app);
    let footer = lines.last().unwrap();
    assert!(footer.contains("y:yaml X:describe esc:back"), "{footer}");
    assert!(!footer.contains("d:describe"), "{footer}");

    press(&mut app, KeyCode::Char('?'), KeyModifiers::NONE);
    let lines = screen(&mut app);
    assert!(lines[2].contains("Help"), "{lines:#?}");
    let line = lines
        .iter()
        .find(|l| l.contains("describe the selected object"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(
        line.trim_start_matches(['│', ' ']).starts_with("Shift-X "),
        "{line}"
    );
}

#[test]
fn the_help_scrolls_with_the_navigation_keys_and_any_other_key_closes_it() {
    let mut app = pods_app("{}");
    press(&mut app, KeyCode::Char('?'), KeyModifiers::NONE);
    let first = screen(&mut app);
    assert!(first.iter().any(|l| l.contains("this help")));
    press(&mut app, KeyCode::Char('G'), KeyModifiers::SHIFT);
    let bottom = screen(&mut app);
    assert!(bottom.iter().any(|l| l.contains(":ns NAME")), "{bottom:#?}");
    assert!(
        !bottom.iter().any(|l| l.contains("this help")),
        "{bottom:#?}"
    );
    press(&mut app, KeyCode::Char('g'), KeyModifiers::NONE);
    assert_eq!(screen(&mut app), first);
    press(&mut app, KeyCode::Char('j'), KeyModifiers::NONE);
    assert!(!screen(&mut app).iter().any(|l| l.contains("this help")));
    press(&mut app, KeyCode::Char('x'), KeyModifiers::NONE);
    assert!(
        !screen(&mut app)
            .iter()
            .any(|l| l.contains("Help (any key closes)"))
    );
}
