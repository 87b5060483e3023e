//! Who is calling and what they may do, as the API server decides it: bearer tokens of the sim's kubeconfig
//! users, impersonation (`Impersonate-User`/`Impersonate-Group`, checked with the `impersonate` verb), then the
//! privileged group `system:masters` or the cluster's own RBAC objects (`tug_model::rbac`). Must not depend on
//! HTTP beyond reading headers.

use http::HeaderMap;
use serde_json::Value;
use tug_model::rbac::{AUTHENTICATED, Decision, MASTERS, Policy, Request, Subject};

use super::resources::ResourceDef;
use super::status::ApiError;
use super::store::Store;

pub const ADMIN_TOKEN: &str = "tug-sim-admin-token";
pub const VIEWER_TOKEN: &str = "tug-sim-viewer-token";

const ANONYMOUS: &str = "system:anonymous";
const UNAUTHENTICATED: &str = "system:unauthenticated";

/// The authenticated (or impersonated) caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User(pub Subject);

impl User {
    pub fn admin() -> Self {
        Self(Subject::new("admin", &[MASTERS, AUTHENTICATED]))
    }

    pub fn viewer() -> Self {
        Self(Subject::new("viewer", &[AUTHENTICATED]))
    }

    pub fn anonymous() -> Self {
        Self(Subject::new(ANONYMOUS, &[UNAUTHENTICATED]))
    }

    pub fn name(&self) -> &str {
        &self.0.user
    }

    pub fn groups(&self) -> &[String] {
        &self.0.groups
    }
}

/// Identifies the caller; an unknown token is 401 as on a real server, no token is the anonymous user.
pub fn authenticate(headers: &HeaderMap) -> Result<User, ApiError> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Ok(User::anonymous());
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token {
        Some(ADMIN_TOKEN) => Ok(User::admin()),
        Some(VIEWER_TOKEN) => Ok(User::viewer()),
        _ => Err(ApiError::unauthorized()),
    }
}

fn header_values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// Acts as the user the `Impersonate-User` header names (with the `Impersonate-Group` groups), when the caller
/// may `impersonate` that user and each group; without the header the caller stays who they are.
pub fn impersonate(store: &Store, caller: User, headers: &HeaderMap) -> Result<User, ApiError> {
    let users = header_values(headers, "impersonate-user");
    let groups = header_values(headers, "impersonate-group");
    let Some(&target) = users.first() else {
        if groups.is_empty() {
            return Ok(caller);
        }
        return Err(ApiError::internal(format!(
            "requested [{}] without impersonating a user",
            groups
                .iter()
                .map(|g| format!("{{Group  {g}  authorization.k8s.io/v1  }}"))
                .collect::<Vec<_>>()
                .join(" ")
        )));
    };
    let checks = std::iter::once(("users", target)).chain(groups.iter().map(|g| ("groups", *g)));
    for (resource, name) in checks {
        let req = Request::Resource {
            verb: "impersonate",
            group: "",
            resource,
            subresource: "",
            namespace: "",
            name,
        };
        if !decide(store, &caller, &req).allowed {
            return Err(ApiError::forbidden(format!(
                "{resource} \"{name}\" is forbidden: User \"{}\" cannot impersonate resource \"{resource}\" in API \
                 group \"\" at the cluster scope",
                caller.name()
            )));
        }
    }
    // The impersonated user is authenticated, as a real token's user would be.
    let mut all: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
    if target != ANONYMOUS && !all.iter().any(|g| g == AUTHENTICATED) {
        all.push(AUTHENTICATED.into());
    }
    Ok(User(Subject {
        user: target.to_string(),
        groups: all,
    }))
}

fn all_of(store: &Store, group: &str, plural: &str) -> Vec<Value> {
    store
        .registry()
        .preferred(group, plural)
        .map(|def| {
            store
                .list(&def, None, |_| true)
                .iter()
                .map(|o| (**o).clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The cluster's RBAC objects as they are now.
pub fn policy(store: &Store) -> Policy {
    const G: &str = "rbac.authorization.k8s.io";
    Policy::new(
        &all_of(store, G, "roles"),
        &all_of(store, G, "clusterroles"),
        &all_of(store, G, "rolebindings"),
        &all_of(store, G, "clusterrolebindings"),
    )
}

/// The authorizer chain: the privileged group first (no need to read any policy), then RBAC.
pub fn decide(store: &Store, user: &User, req: &Request) -> Decision {
    let policy = if user.0.is_master() {
        Policy::default()
    } else {
        policy(store)
    };
    policy.authorize(&user.0, req)
}

/// What a request asks to do, in RBAC terms.
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub res: &'a ResourceDef,
    pub sub: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl Attributes<'_> {
    pub fn request(&self) -> Request<'_> {
        Request::Resource {
            verb: self.verb,
            group: &self.res.group,
            resource: &self.res.plural,
            subresource: self.sub.unwrap_or_default(),
            namespace: self.namespace.unwrap_or_default(),
            name: self.name.unwrap_or_default(),
        }
    }
}

/// 403 in the real server's words: `pods "x" is forbidden: User "viewer" cannot delete resource "pods" in API
/// group "" in the namespace "shop"`.
pub fn authorize(store: &Store, user: &User, a: &Attributes) -> Result<(), ApiError> {
    if decide(store, user, &a.request()).allowed {
        return Ok(());
    }
    let resource = match a.sub {
        Some(sub) => format!("{}/{sub}", a.res.plural),
        None => a.res.plural.clone(),
    };
    let subject = match a.name {
        Some(name) => format!("{} \"{name}\"", a.res.qualified()),
        None => a.res.qualified(),
    };
    let scope = match a.namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let mut err = ApiError::forbidden(format!(
        "{subject} is forbidden: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
        user.name(),
        a.verb,
        a.res.group
    ));
    let mut details = serde_json::json!({"group": a.res.group, "kind": a.res.plural});
    if let Some(name) = a.name {
        details["name"] = serde_json::json!(name);
    }
    err.details = Some(details);
    Err(err)
}

/// A path that is no resource (discovery, health, OpenAPI): `forbidden: User "x" cannot get path "/apis"`.
pub fn authorize_path(store: &Store, user: &User, verb: &str, path: &str) -> Result<(), ApiError> {
    if decide(store, user, &Request::NonResource { verb, path }).allowed {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "forbidden: User \"{}\" cannot {verb} path \"{path}\"",
        user.name()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim_store() -> Store {
        let store = Store::new(1);
        crate::bootstrap::seed(&store).unwrap();
        store
    }

    #[test]
    fn viewer_reads_everything_but_secrets_and_mutates_nothing() {
        let store = sim_store();
        let reg = store.registry();
        let pods = reg.preferred("", "pods").unwrap();
        let secrets = reg.preferred("", "secrets").unwrap();
        let viewer = User::viewer();
        let attrs = |verb, res, sub, name| Attributes {
            verb,
            res,
            sub,
            namespace: Some("shop"),
            name,
        };
        assert!(authorize(&store, &viewer, &attrs("list", &pods, None, None)).is_ok());
        assert!(
            authorize(
                &store,
                &viewer,
                &attrs("get", &pods, Some("log"), Some("w"))
            )
            .is_ok()
        );
        let err = authorize(&store, &viewer, &attrs("list", &secrets, None, None)).unwrap_err();
        assert_eq!(err.code, 403);
        assert_eq!(
            err.message,
            "secrets is forbidden: User \"viewer\" cannot list resource \"secrets\" in API group \"\" in the namespace \"shop\""
        );
        assert_eq!(
            authorize(
                &store,
                &viewer,
                &attrs("delete", &pods, None, Some("web-1"))
            )
            .unwrap_err()
            .message,
            "pods \"web-1\" is forbidden: User \"viewer\" cannot delete resource \"pods\" in API group \"\" in the namespace \"shop\""
        );
        let exec = attrs("create", &pods, Some("exec"), Some("web-1"));
        assert!(authorize(&store, &viewer, &exec).is_err());
        assert!(authorize(&store, &User::admin(), &exec).is_ok());
        assert!(authorize_path(&store, &viewer, "get", "/apis/apps/v1").is_ok());
        assert!(authorize_path(&store, &User::anonymous(), "get", "/version").is_ok());
        assert!(authorize_path(&store, &User::anonymous(), "get", "/apis").is_err());
    }

    #[test]
    fn only_the_admin_may_impersonate() {
        let store = sim_store();
        let mut headers = HeaderMap::new();
        headers.insert("impersonate-user", "viewer".parse().unwrap());
        headers.append("impersonate-group", "ops".parse().unwrap());
        let as_viewer = impersonate(&store, User::admin(), &headers).unwrap();
        assert_eq!(as_viewer.name(), "viewer");
        assert_eq!(as_viewer.groups(), ["ops", AUTHENTICATED]);
        let err = impersonate(&store, User::viewer(), &headers).unwrap_err();
        assert_eq!(
            err.message,
            "users \"viewer\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" \
             at the cluster scope"
        );
        assert_eq!(
            impersonate(&store, User::viewer(), &HeaderMap::new()).unwrap(),
            User::viewer()
        );
    }
}
