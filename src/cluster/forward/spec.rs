//! What a port-forward is: a local address and port, and the object and port it reaches.
//! Parsing of the operator's words (`svc/kubeapps`, `8080:80`) lives here. Pure.

use std::fmt;
use std::net::IpAddr;

/// The object behind a forward, as kubectl names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Pod(String),
    Deployment(String),
    Service(String),
}

impl Target {
    /// `pod/NAME`, `deploy/NAME`, `svc/NAME` (and the long forms kubectl accepts); a bare name is a pod.
    pub fn parse(text: &str) -> Result<Target, String> {
        let (kind, name) = text.split_once('/').unwrap_or(("pod", text));
        if name.is_empty() || name.contains('/') {
            return Err(format!(
                "target {text:?} is not KIND/NAME (pod/NAME, deploy/NAME or svc/NAME)"
            ));
        }
        let name = name.to_string();
        match kind {
            "pod" | "pods" | "po" => Ok(Target::Pod(name)),
            "deploy" | "deployment" | "deployments" => Ok(Target::Deployment(name)),
            "svc" | "service" | "services" => Ok(Target::Service(name)),
            _ => Err(format!(
                "cannot forward to {kind}/{name}: only pod, deploy and svc targets are supported"
            )),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Target::Pod(n) | Target::Deployment(n) | Target::Service(n) => n,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Pod(n) => write!(f, "pod/{n}"),
            Target::Deployment(n) => write!(f, "deploy/{n}"),
            Target::Service(n) => write!(f, "svc/{n}"),
        }
    }
}

/// One forward: `address:local_port` on this machine to `remote_port` of the target (a service
/// port for `svc/`, a container port otherwise, as with `kubectl port-forward`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForwardSpec {
    /// The bookmark's name, or `target` for a forward started from the dialog.
    pub name: String,
    pub context: String,
    pub namespace: String,
    pub target: Target,
    pub address: IpAddr,
    pub local_port: u16,
    pub remote_port: u16,
}

pub const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

impl ForwardSpec {
    /// `127.0.0.1:8080`, or `[::1]:8080`.
    pub fn local(&self) -> String {
        std::net::SocketAddr::new(self.address, self.local_port).to_string()
    }
}

/// `8080:80` → (8080, 80); `80` → (80, 80), as kubectl reads its port arguments.
pub fn parse_ports(text: &str) -> Result<(u16, u16), String> {
    let port = |p: &str| {
        p.trim()
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{p:?} is not a port number (1-65535)"))
    };
    match text.split_once(':') {
        Some((local, remote)) => Ok((port(local)?, port(remote)?)),
        None => {
            let p = port(text)?;
            Ok((p, p))
        }
    }
}

/// The listening address: loopback unless another one is typed explicitly.
pub fn parse_address(text: &str) -> Result<IpAddr, String> {
    let text = text.trim();
    if text.is_empty() || text == "localhost" {
        return Ok(LOOPBACK);
    }
    text.parse::<IpAddr>()
        .map_err(|_| format!("{text:?} is not an IP address (e.g. 127.0.0.1)"))
}

/// Other users of this machine can reach a listener on this address.
pub fn is_exposed(address: IpAddr) -> bool {
    !address.is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_like_kubectl() {
        assert_eq!(
            Target::parse("svc/kubeapps"),
            Ok(Target::Service("kubeapps".into()))
        );
        assert_eq!(
            Target::parse("deployment/web"),
            Ok(Target::Deployment("web".into()))
        );
        assert_eq!(Target::parse("web-1"), Ok(Target::Pod("web-1".into())));
        assert!(Target::parse("job/x").unwrap_err().contains("only pod"));
        assert!(Target::parse("svc/").is_err());
        assert_eq!(Target::Service("a".into()).to_string(), "svc/a");
    }

    #[test]
    fn ports_are_local_colon_remote_or_one_for_both() {
        assert_eq!(parse_ports("8080:80"), Ok((8080, 80)));
        assert_eq!(parse_ports("5432"), Ok((5432, 5432)));
        assert!(parse_ports("0:80").is_err());
        assert!(parse_ports("x:80").unwrap_err().contains("not a port"));
        assert!(parse_ports("70000").is_err());
    }

    #[test]
    fn address_defaults_to_loopback_and_anything_else_is_exposed() {
        assert_eq!(parse_address(""), Ok(LOOPBACK));
        assert_eq!(parse_address("localhost"), Ok(LOOPBACK));
        let any = parse_address("0.0.0.0").unwrap();
        assert!(is_exposed(any));
        assert!(!is_exposed(LOOPBACK));
        assert!(!is_exposed(parse_address("::1").unwrap()));
        assert!(parse_address("bastion").is_err());
    }
}
