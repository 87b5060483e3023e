//! tug's RBAC questions against the sim: who am I, the rules review (and as someone else through
//! impersonation, which only the admin may), and the generated table: for every question, tug's evaluator over
//! the RBAC objects it lists agrees with the sim's own SubjectAccessReview answer.

use serde_json::{Value, json};
use tug_cluster::access::{self, Impersonate};
use tug_model::access::Need;
use tug_model::rbac::{Request, Subject};

use crate::common::{TestSim, client_for};

/// Fixtures beside the demo's: aggregation, wildcards, resourceNames, non-resource URLs, a ServiceAccount.
const FIXTURES: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg-parent}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg.example/parent: \"true\"}}]
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg-child, labels: {agg.example/parent: \"true\"}}
rules:
- {apiGroups: [\"apps\"], resources: [\"deployments\", \"deployments/scale\"], verbs: [\"get\", \"update\", \"patch\"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agg-ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg-parent}
subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: everything, namespace: default}
rules:
- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-everything, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: everything}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: one-config, namespace: shop}
rules:
- {apiGroups: [\"\"], resources: [\"configmaps\"], resourceNames: [\"app\"], verbs: [\"get\", \"update\"]}
- {apiGroups: [\"\"], resources: [\"pods/exec\", \"pods/portforward\"], verbs: [\"create\"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: payments-config, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: one-config}
subjects: [{kind: ServiceAccount, name: payments}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: metrics-reader}
rules:
- {nonResourceURLs: [\"/metrics\", \"/logs/*\"], verbs: [\"get\"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics-readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics-reader}
subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]
";

async fn sar(client: &kube::Client, who: &Subject, attributes: Value) -> bool {
    let body = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                      "spec": {"user": who.user, "groups": who.groups}});
    let mut body = body;
    for (k, v) in attributes.as_object().unwrap() {
        body["spec"][k] = v.clone();
    }
    let req = http::Request::post("/apis/authorization.k8s.io/v1/subjectaccessreviews")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    let answer: Value = client.request(req).await.unwrap();
    answer["status"]["allowed"].as_bool().unwrap()
}

#[tokio::test]
async fn tugs_evaluator_and_the_sims_subject_access_reviews_agree_on_every_generated_question() {
    let sim = TestSim::start().await;
    sim.kubectl_stdin(&["apply", "-f", "-"], Some(FIXTURES))
        .await;
    let admin = sim.client().await;
    let policy = access::policy(&admin).await.unwrap();

    let auth = "system:authenticated";
    let subjects = [
        Subject::new("viewer", &[auth]),
        Subject::new("ann", &[auth]),
        Subject::new("carol", &["shop-oncall", auth]),
        Subject::new("dave", &["ops", auth]),
        Subject::new("bob", &[auth]),
        Subject::new("system:serviceaccount:shop:backend", &[auth]),
        Subject::new("system:serviceaccount:shop:payments", &[auth]),
        Subject::new("system:anonymous", &["system:unauthenticated"]),
    ];
    let resources = [
        ("", "pods", ""),
        ("", "pods", "log"),
        ("", "pods", "exec"),
        ("", "pods", "portforward"),
        ("", "secrets", ""),
        ("", "configmaps", ""),
        ("apps", "deployments", ""),
        ("apps", "deployments", "scale"),
        ("", "nodes", ""),
        ("authorization.k8s.io", "selfsubjectrulesreviews", ""),
    ];
    let verbs = [
        "get", "list", "watch", "create", "update", "patch", "delete",
    ];
    let (mut asked, mut allowed) = (0, 0);
    for who in &subjects {
        for (group, resource, sub) in resources {
            for verb in verbs {
                for namespace in ["shop", "default", ""] {
                    for name in ["", "app"] {
                        let req = Request::Resource {
                            verb,
                            group,
                            resource,
                            subresource: sub,
                            namespace,
                            name,
                        };
                        let ours = policy.authorize(who, &req).allowed;
                        let attrs = json!({"resourceAttributes": {"verb": verb, "group": group,
                            "resource": resource, "subresource": sub, "namespace": namespace, "name": name}});
                        let theirs = sar(&admin, who, attrs).await;
                        assert_eq!(ours, theirs, "{who:?} {req:?}");
                        asked += 1;
                        allowed += usize::from(ours);
                    }
                }
            }
        }
        for path in [
            "/metrics",
            "/logs/kube.log",
            "/logs",
            "/version",
            "/apis/apps/v1",
            "/healthz",
        ] {
            let req = Request::NonResource { verb: "get", path };
            let ours = policy.authorize(who, &req).allowed;
            let theirs = sar(
                &admin,
                who,
                json!({"nonResourceAttributes": {"verb": "get", "path": path}}),
            )
            .await;
            assert_eq!(ours, theirs, "{who:?} {req:?}");
            asked += 1;
            allowed += usize::from(ours);
        }
    }
    // The table is not trivially one-sided.
    assert!(
        allowed > 100 && allowed < asked - 100,
        "{allowed} of {asked}"
    );
}

#[tokio::test]
async fn whoami_rules_and_impersonation_as_the_viewer_and_the_admin() {
    let sim = TestSim::start().await;
    let viewer = client_for(&sim.kubeconfig(), Some("tug-sim-viewer")).await;
    let admin = sim.client().await;

    let me = access::whoami(&viewer).await.unwrap().unwrap();
    assert_eq!(
        (me.user.as_str(), me.groups.as_slice()),
        ("viewer", &["system:authenticated".to_string()][..])
    );
    let rules = access::rules(&viewer, "shop", None).await.unwrap();
    let pods = |verb| Need::new(verb, "", "pods", "");
    assert_eq!(rules.allows(&pods("list"), ""), Some(true));
    assert_eq!(rules.allows(&pods("delete"), "web-1"), Some(false));
    assert_eq!(
        rules.allows(&Need::new("list", "", "secrets", ""), ""),
        Some(false)
    );
    assert!(
        !access::can(&viewer, &pods("delete"), "shop", "")
            .await
            .unwrap()
    );
    assert!(
        access::can(&admin, &pods("delete"), "shop", "")
            .await
            .unwrap()
    );

    // The admin sees what ann may do; the viewer may not impersonate.
    let ann = Impersonate {
        user: "ann".into(),
        groups: vec![],
    };
    let as_ann = access::rules(&admin, "shop", Some(&ann)).await.unwrap();
    assert_eq!(as_ann.allows(&pods("delete"), "web-1"), Some(true));
    let err = access::rules(&viewer, "shop", Some(&ann))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(403), "{err}");

    // Who may delete pods in shop, by the demo's RBAC objects.
    let policy = access::policy(&admin).await.unwrap();
    let holders: Vec<String> = policy
        .who_can(&Request::Resource {
            verb: "delete",
            group: "",
            resource: "pods",
            subresource: "",
            namespace: "shop",
            name: "",
        })
        .iter()
        .map(|h| {
            format!(
                "{} {} by {}",
                h.subject.kind,
                h.subject.display(),
                h.binding.display()
            )
        })
        .collect();
    assert_eq!(
        holders,
        [
            "Group shop-oncall by RoleBinding shop/shop-oncall-pods",
            "User ann by RoleBinding shop/shop-oncall-pods"
        ]
    );
}
