//! URL routing as the real API server lays it out: discovery, OpenAPI, `/_sim` controls, and resource paths
//! (`/api/v1/namespaces/{ns}/{plural}/{name}/{sub}`, `/apis/{group}/{version}/...`, legacy `watch/`).

use std::sync::Arc;

use super::SimState;
use crate::resources::ResourceDef;
use crate::status::{ApiError, ApiResult};

/// A parsed resource URL.
pub struct ResourcePath {
    pub res: Arc<ResourceDef>,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
    pub(super) legacy_watch: bool,
}

pub(super) enum Route {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    GroupVersion(String, String),
    Resource(ResourcePath),
    Control(String),
    OpenApiIndex,
    OpenApi(String, String),
    /// `/openapi/v2`: one Swagger 2.0 document for every group version.
    OpenApiV2,
}

pub(super) fn route(state: &SimState, path: &str) -> ApiResult<Route> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
        ["version"] => return Ok(Route::Version),
        ["healthz" | "livez" | "readyz", ..] => return Ok(Route::Health),
        ["_sim", what] => return Ok(Route::Control((*what).to_string())),
        ["api"] => return Ok(Route::CoreVersions),
        ["openapi", "v3"] => return Ok(Route::OpenApiIndex),
        ["openapi", "v2"] => return Ok(Route::OpenApiV2),
        ["openapi", "v3", "api", v] => return Ok(Route::OpenApi(String::new(), (*v).to_string())),
        ["openapi", "v3", "apis", g, v] => {
            return Ok(Route::OpenApi((*g).to_string(), (*v).to_string()));
        }
        ["apis"] => return Ok(Route::Groups),
        ["apis", g] => return Ok(Route::Group((*g).to_string())),
        ["api", "v1"] => return Ok(Route::GroupVersion(String::new(), "v1".into())),
        ["apis", g, v] => return Ok(Route::GroupVersion((*g).to_string(), (*v).to_string())),
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", g, v, rest @ ..] => (g, v, rest),
        _ => return Err(ApiError::path_not_found()),
    };
    let (legacy_watch, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let registry = state.store.registry();
    let lookup = |plural: &str| registry.lookup(group, version, plural);
    let (namespace, rest) = match rest {
        ["namespaces", ns, plural, rest @ ..] if lookup(plural).is_some_and(|d| d.namespaced) => (
            Some((*ns).to_string()),
            std::iter::once(*plural)
                .chain(rest.iter().copied())
                .collect::<Vec<_>>(),
        ),
        _ => (None, rest.to_vec()),
    };
    let (plural, name, sub) = match rest.as_slice() {
        [p] => (*p, None, None),
        [p, n] => (*p, Some((*n).to_string()), None),
        [p, n, s] => (*p, Some((*n).to_string()), Some((*s).to_string())),
        _ => return Err(ApiError::path_not_found()),
    };
    let res = lookup(plural).ok_or_else(ApiError::path_not_found)?;
    if (!res.namespaced && namespace.is_some())
        || (res.namespaced && namespace.is_none() && name.is_some())
    {
        return Err(ApiError::path_not_found());
    }
    if let Some(s) = &sub
        && !res.has_sub(s)
    {
        return Err(ApiError::path_not_found());
    }
    Ok(Route::Resource(ResourcePath {
        res,
        namespace,
        name,
        sub,
        legacy_watch,
    }))
}
