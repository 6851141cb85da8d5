//! Cluster DNS as CoreDNS's kubernetes plugin answers it, with the pod's resolv.conf search
//! path applied (`ndots:5`): `svc`, `svc.ns`, `svc.ns.svc.cluster.local` give the ClusterIP,
//! headless services give their ready pods' IPs, `host.svc.ns.svc.cluster.local` a
//! StatefulSet pod, `a-b-c-d.ns.pod.cluster.local` the address it spells. Nothing outside the
//! cluster resolves. Pure over a [`Network`] snapshot.

use super::network::{Network, is_headless};

pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// The search path of a pod in namespace `ns`.
pub fn search_path(ns: &str) -> Vec<String> {
    vec![
        format!("{ns}.svc.{CLUSTER_DOMAIN}"),
        format!("svc.{CLUSTER_DOMAIN}"),
        CLUSTER_DOMAIN.to_string(),
    ]
}

/// `/etc/resolv.conf` as the kubelet writes it for a ClusterFirst pod.
pub fn resolv_conf(ns: &str, nameserver: &str) -> String {
    format!(
        "search {}\nnameserver {nameserver}\noptions ndots:5\n",
        search_path(ns).join(" ")
    )
}

/// The names a resolver tries for `name`, in order (search path first while it has < 5 dots).
pub fn candidates(name: &str, ns: &str) -> Vec<String> {
    if let Some(absolute) = name.strip_suffix('.') {
        return vec![absolute.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    if name.matches('.').count() < 5 {
        out.extend(search_path(ns).iter().map(|d| format!("{name}.{d}")));
    }
    out.push(name.to_string());
    out
}

/// The addresses of one fully qualified name, if the cluster zone has it.
pub fn lookup_fqdn(net: &Network, fqdn: &str) -> Option<Vec<String>> {
    let fqdn = fqdn.trim_end_matches('.').to_ascii_lowercase();
    let zone = fqdn.strip_suffix(&format!(".{CLUSTER_DOMAIN}"))?;
    let labels: Vec<&str> = zone.split('.').collect();
    match labels.as_slice() {
        [svc, ns, "svc"] => {
            let s = net.service(ns, svc)?;
            if is_headless(s) {
                let ips: Vec<String> = net
                    .endpoints(s)
                    .iter()
                    .filter_map(|p| p["status"]["podIP"].as_str().map(str::to_string))
                    .collect();
                (!ips.is_empty()).then_some(ips)
            } else {
                s["spec"]["clusterIP"]
                    .as_str()
                    .map(|ip| vec![ip.to_string()])
            }
        }
        [host, svc, ns, "svc"] => {
            let s = net.service(ns, svc)?;
            net.endpoints(s)
                .into_iter()
                .find(|p| p["spec"]["hostname"] == *host && p["spec"]["subdomain"] == *svc)
                .and_then(|p| p["status"]["podIP"].as_str().map(|ip| vec![ip.to_string()]))
        }
        [dashed, _ns, "pod"] => {
            let ip = dashed.replace('-', ".");
            ip.parse::<std::net::Ipv4Addr>().ok().map(|_| vec![ip])
        }
        _ => None,
    }
}

/// A resolved name: the name that answered and its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    pub addresses: Vec<String>,
}

/// Resolves `name` as a pod in `ns` would; an IPv4 literal resolves to itself.
pub fn resolve(net: &Network, ns: &str, name: &str) -> Option<Resolved> {
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(Resolved {
            name: name.to_string(),
            addresses: vec![name.to_string()],
        });
    }
    candidates(name, ns)
        .into_iter()
        .find_map(|c| lookup_fqdn(net, &c).map(|addresses| Resolved { name: c, addresses }))
}

#[cfg(test)]
mod tests {
    use super::super::network::tests::sample;
    use super::*;

    #[test]
    fn service_names_resolve_in_every_spelling() {
        let net = sample();
        for name in [
            "kubeapps.kubeapps",
            "kubeapps.kubeapps.svc",
            "kubeapps.kubeapps.svc.cluster.local",
            "kubeapps.kubeapps.svc.cluster.local.",
        ] {
            let r = resolve(&net, "prod", name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(r.name, "kubeapps.kubeapps.svc.cluster.local");
            assert_eq!(r.addresses, vec!["100.64.5.6"]);
        }
        let local = resolve(&net, "kubeapps", "kubeapps").unwrap();
        assert_eq!(local.addresses, vec!["100.64.5.6"]);
        assert!(resolve(&net, "prod", "kubeapps").is_none());
    }

    #[test]
    fn headless_services_give_pod_addresses_and_their_pods_have_names() {
        let net = sample();
        let r = resolve(&net, "prod", "postgres.postgres").unwrap();
        assert_eq!(r.addresses, vec!["100.96.1.5"]);
        let p = resolve(&net, "prod", "postgres-0.postgres.postgres").unwrap();
        assert_eq!(p.name, "postgres-0.postgres.postgres.svc.cluster.local");
        assert_eq!(p.addresses, vec!["100.96.1.5"]);
        let dashed = resolve(&net, "prod", "100-96-1-5.postgres.pod.cluster.local").unwrap();
        assert_eq!(dashed.addresses, vec!["100.96.1.5"]);
    }

    #[test]
    fn unknown_and_outside_names_do_not_resolve() {
        let net = sample();
        assert!(resolve(&net, "prod", "nosuch").is_none());
        assert!(resolve(&net, "prod", "example.com").is_none());
        assert_eq!(
            candidates("web", "prod"),
            vec![
                "web.prod.svc.cluster.local",
                "web.svc.cluster.local",
                "web.cluster.local",
                "web"
            ]
        );
        assert_eq!(
            resolv_conf("prod", "100.64.0.10"),
            "search prod.svc.cluster.local svc.cluster.local cluster.local\nnameserver 100.64.0.10\noptions ndots:5\n"
        );
    }
}
