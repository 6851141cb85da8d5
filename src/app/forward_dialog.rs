//! The port-forward dialog: ports prefilled from the object, local port and address editable,
//! loopback unless another address is typed, and then only after a second, explicit enter. Pure.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::cluster::forward::spec::{self, ForwardSpec, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Ports,
    Address,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub context: String,
    pub namespace: String,
    pub target: Target,
    /// `LOCAL:REMOTE`, prefilled with the object's first port on both sides.
    pub ports: String,
    pub address: String,
    pub field: Field,
    /// The operator pressed enter once with a non-loopback address and was warned.
    pub exposed_confirmed: bool,
    pub error: Option<String>,
}

/// What a key did to the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Editing,
    Cancelled,
    Submitted(ForwardSpec),
}

impl Dialog {
    /// `ports` are the object's ports (container ports, or a service port); the first is proposed.
    pub fn new(context: &str, namespace: &str, target: Target, ports: &[u16]) -> Dialog {
        Dialog {
            context: context.into(),
            namespace: namespace.into(),
            target,
            ports: ports
                .first()
                .map(|p| format!("{}:{p}", local_for(*p)))
                .unwrap_or_default(),
            address: spec::LOOPBACK.to_string(),
            field: Field::Ports,
            exposed_confirmed: false,
            error: None,
        }
    }

    /// The warning shown while the address is not a loopback one.
    pub fn exposure_warning(&self) -> Option<String> {
        let addr = spec::parse_address(&self.address).ok()?;
        spec::is_exposed(addr).then(|| {
            format!(
                "{} is reachable by other users of this machine (and maybe the network)",
                self.address.trim()
            )
        })
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc => return Outcome::Cancelled,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                self.field = match self.field {
                    Field::Ports => Field::Address,
                    Field::Address => Field::Ports,
                };
            }
            KeyCode::Backspace => {
                self.text().pop();
                self.edited();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.text().push(c);
                self.edited();
            }
            KeyCode::Enter => return self.submit(),
            _ => {}
        }
        Outcome::Editing
    }

    fn text(&mut self) -> &mut String {
        match self.field {
            Field::Ports => &mut self.ports,
            Field::Address => &mut self.address,
        }
    }

    fn edited(&mut self) {
        self.exposed_confirmed = false;
        self.error = None;
    }

    fn submit(&mut self) -> Outcome {
        let parsed = spec::parse_ports(&self.ports)
            .and_then(|p| spec::parse_address(&self.address).map(|a| (p, a)));
        let ((local, remote), address) = match parsed {
            Ok(v) => v,
            Err(e) => {
                self.error = Some(e);
                return Outcome::Editing;
            }
        };
        if spec::is_exposed(address) && !self.exposed_confirmed {
            self.exposed_confirmed = true;
            return Outcome::Editing;
        }
        Outcome::Submitted(ForwardSpec {
            name: self.target.to_string(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            target: self.target.clone(),
            address,
            local_port: local,
            remote_port: remote,
        })
    }
}

/// Privileged remote ports get an unprivileged local one (80 → 8080), as operators usually pick.
fn local_for(remote: u16) -> u16 {
    if remote < 1024 { remote + 8000 } else { remote }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(d: &mut Dialog, code: KeyCode) -> Outcome {
        d.on_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn typed(d: &mut Dialog, text: &str) {
        for c in text.chars() {
            press(d, KeyCode::Char(c));
        }
    }

    #[test]
    fn ports_are_prefilled_and_loopback_is_the_default() {
        let mut d = Dialog::new(
            "prod",
            "kubeapps",
            Target::Service("kubeapps".into()),
            &[80],
        );
        assert_eq!(d.ports, "8080:80");
        assert_eq!(d.address, "127.0.0.1");
        match press(&mut d, KeyCode::Enter) {
            Outcome::Submitted(s) => {
                assert_eq!((s.local_port, s.remote_port), (8080, 80));
                assert_eq!(s.address, spec::LOOPBACK);
                assert_eq!(s.target.to_string(), "svc/kubeapps");
            }
            other => panic!("{other:?}"),
        }
        let d = Dialog::new("prod", "ns", Target::Pod("p".into()), &[5432, 9187]);
        assert_eq!(d.ports, "5432:5432");
    }

    #[test]
    fn another_address_warns_and_needs_a_second_enter() {
        let mut d = Dialog::new("prod", "kubeapps", Target::Pod("p".into()), &[8080]);
        press(&mut d, KeyCode::Tab);
        for _ in 0..9 {
            press(&mut d, KeyCode::Backspace);
        }
        typed(&mut d, "0.0.0.0");
        assert!(d.exposure_warning().unwrap().contains("other users"));
        assert_eq!(press(&mut d, KeyCode::Enter), Outcome::Editing);
        assert!(d.exposed_confirmed);
        match press(&mut d, KeyCode::Enter) {
            Outcome::Submitted(s) => assert_eq!(s.address.to_string(), "0.0.0.0"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_ports_are_a_sentence_and_esc_cancels() {
        let mut d = Dialog::new("prod", "ns", Target::Pod("p".into()), &[]);
        typed(&mut d, "80x");
        assert_eq!(press(&mut d, KeyCode::Enter), Outcome::Editing);
        assert!(d.error.as_deref().unwrap().contains("not a port"));
        assert_eq!(press(&mut d, KeyCode::Esc), Outcome::Cancelled);
    }
}
