//! CustomResourceDefinitions through the real kubectl: the scenario's cert-manager Certificates in
//! prod only, printer columns, short names, and a CRD applied, used and deleted at run time.

mod common;

use common::Harness;

const WIDGET_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wd]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
    additionalPrinterColumns:
    - name: Color
      type: string
      jsonPath: .spec.color
"#;

const WIDGET: &str = r#"apiVersion: example.com/v1
kind: Widget
metadata:
  name: sprocket
  namespace: default
spec:
  color: teal
"#;

/// Column `name` of a kubectl table whose cells hold no spaces (kubectl pads with spaces only).
fn column(out: &str, name: &str) -> Vec<String> {
    let i = header(out)
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {out}"));
    out.lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(i).unwrap_or_default().to_string())
        .collect()
}

fn header(out: &str) -> Vec<&str> {
    out.lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_certificates_print_their_columns_in_prod_only() {
    let h = Harness::start().await;
    let crds = h.ok("prod", &["get", "crd"]).await;
    assert!(crds.contains("certificates.cert-manager.io"), "{crds}");

    let certs = h.ok("prod", &["get", "certificates", "-A"]).await;
    assert_eq!(
        header(&certs),
        ["NAMESPACE", "NAME", "READY", "SECRET", "AGE"],
        "{certs}"
    );
    let names = column(&certs, "NAME");
    let ready = column(&certs, "READY");
    assert_eq!(names.len(), 3, "{certs}");
    let i = names.iter().position(|n| n == "api-example-com").unwrap();
    assert_eq!(ready[i], "False", "{certs}");
    assert_eq!(ready.iter().filter(|r| *r == "True").count(), 2, "{certs}");
    assert!(certs.contains("api-example-com-tls"), "{certs}");

    let short = h.ok("prod", &["get", "cert", "-A"]).await;
    assert_eq!(column(&short, "NAME"), names, "{short}");
    let wide = h
        .ok("prod", &["get", "certs", "-n", "prod", "-o", "wide"])
        .await;
    assert_eq!(
        header(&wide),
        ["NAME", "READY", "SECRET", "ISSUER", "STATUS", "AGE"],
        "{wide}"
    );
    assert!(
        wide.contains("letsencrypt-prod")
            && wide.contains("Issuing certificate as Secret does not exist"),
        "{wide}"
    );
    let got = h
        .ok(
            "prod",
            &[
                "get",
                "cert",
                "api-example-com",
                "-n",
                "prod",
                "-o",
                "jsonpath={.spec.secretName}",
            ],
        )
        .await;
    assert_eq!(got, "api-example-com-tls");
    let established = h
        .ok(
            "prod",
            &[
                "wait",
                "--for=condition=Established",
                "crd/certificates.cert-manager.io",
                "--timeout=10s",
            ],
        )
        .await;
    assert!(established.contains("condition met"), "{established}");

    let stg = h.run("stg", &["get", "certificates"]).await;
    assert!(!stg.status.success());
    let err = String::from_utf8_lossy(&stg.stderr);
    assert!(
        err.contains("the server doesn't have a resource type \"certificates\""),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_crd_serves_its_resources_until_deleted() {
    let h = Harness::start().await;
    let crd = h.home.path().join("crd.yaml");
    let cr = h.home.path().join("cr.yaml");
    std::fs::write(&crd, WIDGET_CRD).unwrap();
    std::fs::write(&cr, WIDGET).unwrap();
    // Warm kubectl's discovery cache first: it must notice the new type anyway.
    h.ok("prod", &["get", "crd"]).await;

    let out = h
        .ok(
            "prod",
            &["apply", "--validate=false", "-f", crd.to_str().unwrap()],
        )
        .await;
    assert!(out.contains("widgets.example.com created"), "{out}");
    let out = h
        .ok(
            "prod",
            &["apply", "--validate=false", "-f", cr.to_str().unwrap()],
        )
        .await;
    assert!(out.contains("widget.example.com/sprocket created"), "{out}");

    let widgets = h.ok("prod", &["get", "widgets", "-A"]).await;
    assert_eq!(
        header(&widgets),
        ["NAMESPACE", "NAME", "COLOR"],
        "{widgets}"
    );
    assert_eq!(column(&widgets, "COLOR"), ["teal"], "{widgets}");
    let short = h.ok("prod", &["get", "wd"]).await;
    assert!(short.contains("sprocket"), "{short}");

    let out = h
        .ok(
            "prod",
            &[
                "patch",
                "widget",
                "sprocket",
                "--type=merge",
                "-p",
                r#"{"spec":{"color":"red"}}"#,
            ],
        )
        .await;
    assert!(out.contains("patched"), "{out}");
    let color = h
        .ok(
            "prod",
            &["get", "widget", "sprocket", "-o", "jsonpath={.spec.color}"],
        )
        .await;
    assert_eq!(color, "red");

    let out = h
        .ok("prod", &["delete", "crd", "widgets.example.com"])
        .await;
    assert!(out.contains("deleted"), "{out}");
    let gone = h.run("prod", &["get", "widgets"]).await;
    assert!(
        !gone.status.success(),
        "{}",
        String::from_utf8_lossy(&gone.stdout)
    );
    let err = String::from_utf8_lossy(&gone.stderr);
    assert!(
        err.contains("the server doesn't have a resource type \"widgets\"")
            || err.contains("the server could not find the requested resource"),
        "{err}"
    );
    let crds = h.ok("prod", &["get", "crd"]).await;
    assert!(!crds.contains("widgets.example.com"), "{crds}");
}
