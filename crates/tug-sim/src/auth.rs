//! Who is calling (bearer tokens of the sim's kubeconfig users) and what they may do (a tiny RBAC:
//! `admin` may do everything; `viewer` may get/list/watch everything but secrets, and read logs).
//! Must not depend on HTTP beyond reading the Authorization header.

use http::HeaderMap;

use super::resources::ResourceDef;
use super::status::ApiError;

pub const ADMIN_TOKEN: &str = "tug-sim-admin-token";
pub const VIEWER_TOKEN: &str = "tug-sim-viewer-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    Admin,
    Viewer,
    Anonymous,
}

impl User {
    pub fn name(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Viewer => "viewer",
            Self::Anonymous => "system:anonymous",
        }
    }
}

/// Identifies the caller; an unknown token is 401 as on a real server, no token is the anonymous user.
pub fn authenticate(headers: &HeaderMap) -> Result<User, ApiError> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Ok(User::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token {
        Some(ADMIN_TOKEN) => Ok(User::Admin),
        Some(VIEWER_TOKEN) => Ok(User::Viewer),
        _ => Err(ApiError::unauthorized()),
    }
}

/// What a request asks to do, in RBAC terms.
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub res: &'a ResourceDef,
    pub sub: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

pub fn allowed(user: User, a: &Attributes) -> bool {
    match user {
        User::Admin => true,
        User::Anonymous => false,
        User::Viewer => {
            let read = matches!(a.verb, "get" | "list" | "watch");
            let secret = a.res.is("", "secrets");
            let readable_sub = matches!(a.sub, None | Some("log" | "status" | "scale"));
            let self_review = a.res.is("authorization.k8s.io", "selfsubjectaccessreviews");
            (read && !secret && readable_sub) || self_review
        }
    }
}

/// 403 in the real server's words: `pods "x" is forbidden: User "viewer" cannot delete resource "pods" in API
/// group "" in the namespace "shop"`.
pub fn authorize(user: User, a: &Attributes) -> Result<(), ApiError> {
    if allowed(user, a) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Registry;

    #[test]
    fn viewer_reads_everything_but_secrets_and_mutates_nothing() {
        let reg = Registry::with_builtins();
        let pods = reg.preferred("", "pods").unwrap();
        let secrets = reg.preferred("", "secrets").unwrap();
        let list_pods = Attributes {
            verb: "list",
            res: &pods,
            sub: None,
            namespace: Some("shop"),
            name: None,
        };
        assert!(authorize(User::Viewer, &list_pods).is_ok());
        let list_secrets = Attributes {
            verb: "list",
            res: &secrets,
            sub: None,
            namespace: Some("default"),
            name: None,
        };
        let err = authorize(User::Viewer, &list_secrets).unwrap_err();
        assert_eq!(err.code, 403);
        assert_eq!(
            err.message,
            "secrets is forbidden: User \"viewer\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\""
        );
        let delete = Attributes {
            verb: "delete",
            res: &pods,
            sub: None,
            namespace: Some("shop"),
            name: Some("web-1"),
        };
        assert_eq!(
            authorize(User::Viewer, &delete).unwrap_err().message,
            "pods \"web-1\" is forbidden: User \"viewer\" cannot delete resource \"pods\" in API group \"\" in the namespace \"shop\""
        );
        let exec = Attributes {
            verb: "create",
            res: &pods,
            sub: Some("exec"),
            namespace: Some("shop"),
            name: Some("web-1"),
        };
        assert!(!allowed(User::Viewer, &exec));
        assert!(allowed(User::Admin, &exec));
    }
}
