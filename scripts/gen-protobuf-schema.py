#!/usr/bin/env python3
"""Generates crates/tug-sim/src/protobuf_schema.rs: the protobuf field tables of every Kubernetes kind, read
from the k8s-pb crate's generated prost types (field numbers, wire types, message types), with each field's
JSON name taken from k8s-openapi's serde code (prost's snake_case loses `podIP`, `hostIPC`, `clusterIPs`).

Usage: scripts/gen-protobuf-schema.py K8S_PB_SRC K8S_OPENAPI_SRC > crates/tug-sim/src/protobuf_schema.rs && cargo fmt
(both are crate `src` directories, e.g. under cargo's registry after `cargo info k8s-pb@0.9.0`).
"""
import os
import re
import sys

pb_src, openapi_src = sys.argv[1], sys.argv[2]

# snake_case -> JSON name, from k8s-openapi's Deserialize impls (`"hostIPC" => Field::Key_host_ipc`).
json_names = {}
for root, _, files in os.walk(openapi_src):
    for f in files:
        if f.endswith(".rs"):
            text = open(os.path.join(root, f), encoding="utf-8").read()
            for json_name, snake in re.findall(r'"([A-Za-z0-9$_-]+)" => Field::Key_(\w+)', text):
                json_names.setdefault(snake, set()).add(json_name)

def camel(snake):
    parts = snake.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])

# Where prost and k8s-openapi split an acronym differently (`podCIDRs`: `pod_cid_rs` vs `pod_cidrs`), or the
# JSON name is not an identifier.
OVERRIDES = {
    "pod_cid_rs": "podCIDRs", "non_resource_ur_ls": "nonResourceURLs", "target_ww_ns": "targetWWNs",
    "server_address_by_client_cid_rs": "serverAddressByClientCIDRs", "open_apiv3_schema": "openAPIV3Schema",
    "ref": "$ref", "j_son_schemas": "JSONSchemas", "a_pi_group": "APIGroup", "u_id": "UID", "pod_uid": "podUID",
    "node_uid": "nodeUID", "service_account_uid": "serviceAccountUID",
    "insecure_skip_tls_verify_backend": "insecureSkipTLSVerifyBackend",
}
PER_MESSAGE = {("JsonSchemaProps", "schema"): "$schema"}

def json_name(snake):
    if snake in OVERRIDES:
        return OVERRIDES[snake]
    names = json_names.get(snake)
    if names and len(names) == 1:
        return next(iter(names))
    if names and camel(snake) in names:
        return camel(snake)
    if names:
        return sorted(names)[0]
    missing.add(snake)
    return camel(snake)

missing = set()
FIELD = re.compile(r'((?:[ \t]*///[^\n]*\n)*)[ \t]*#\[prost\(([^\]]*)\)\]\s*pub (?:r#)?(\w+):(.*?)(?=\n\s*(?:///|#\[prost|\}))', re.S)
STRUCT = re.compile(r'((?:///[^\n]*\n)*)(?:#\[[^\n]*\n)*pub struct (\w+) \{(\}|.*?\n\})', re.S)

def doc(text):
    """A doc comment as the OpenAPI description: marker lines (`+optional`) and all after a `---` line
    dropped, lines of a paragraph joined."""
    paras, cur = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("///"):
            continue
        line = line[3:].strip()
        if line == "---":
            # The API docs generator's cut: what follows is for the Go code's readers only.
            break
        if line.startswith("+"):
            continue
        if not line:
            if cur:
                paras.append(" ".join(cur))
                cur = []
            continue
        cur.append(line)
    if cur:
        paras.append(" ".join(cur))
    return "\n\n".join(paras)

docs = {}  # full name -> (message doc, [field docs])
RESOURCE = re.compile(r'impl crate::Resource for (\w+) \{\s*const API_VERSION: &\'static str = "([^"]*)";.*?const KIND: &\'static str = "([^"]*)";', re.S)

messages = {}  # full name -> [(tag, json, scalar-or-msgname, card)]
resources = []  # (apiVersion, kind, full name)

def resolve(module, ty):
    ty = ty.strip().rstrip(",").strip()
    ty = re.sub(r"\s+", "", ty).rstrip(",").replace(",>", ">")
    for wrapper in ("::core::option::Option<", "::prost::alloc::vec::Vec<", "::prost::alloc::boxed::Box<"):
        while ty.startswith(wrapper):
            ty = ty[len(wrapper):-1]
    m = re.match(r"::prost::alloc::collections::BTreeMap<(.*?),(.*)>$", ty)
    if m:
        ty = m.group(2)
        while ty.startswith("::prost::alloc::boxed::Box<"):
            ty = ty[len("::prost::alloc::boxed::Box<"):-1]
    parts = module.split(".") if module else []
    segs = ty.split("::")
    if segs[0] == "crate":
        parts, segs = [], segs[1:]
    while segs and segs[0] == "super":
        parts = parts[:-1]
        segs = segs[1:]
    return ".".join(parts + segs)

for root, _, files in os.walk(pb_src):
    for f in files:
        if f != "mod.rs":
            continue
        path = os.path.join(root, f)
        module = os.path.relpath(root, pb_src).replace(os.sep, ".")
        text = open(path, encoding="utf-8").read()
        for sdoc, name, body in STRUCT.findall(text):
            fields = []
            fdocs = []
            for fdoc, attr, snake, ty in FIELD.findall(body + "\n}"):
                fdocs.append(doc(fdoc))
                tag = int(re.search(r'tag = "(\d+)"', attr).group(1))
                kind = attr.split(",")[0].strip()
                if kind.startswith("btree_map"):
                    value = re.search(r'btree_map = "string, (\w+)"', attr).group(1)
                    card = "Map"
                    kind = value
                elif "repeated" in attr:
                    card = "Many"
                else:
                    card = "One"
                if kind.startswith("bytes"):
                    kind = "bytes"
                target = resolve(module, ty) if kind == "message" else None
                name_json = PER_MESSAGE.get((name, snake)) or json_name(snake)
                fields.append((tag, name_json, kind, target, card))
            messages[f"{module}.{name}"] = fields
            docs[f"{module}.{name}"] = (doc(sdoc), fdocs)
        for name, av, kind in RESOURCE.findall(text):
            resources.append((av, kind, f"{module}.{name}"))

# Only what the kinds reach.
SPECIAL = {
    "apimachinery.pkg.apis.meta.v1.Time": "Time",
    "apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
    "apimachinery.pkg.apis.meta.v1.FieldsV1": "RawJson",
    "apimachinery.pkg.runtime.RawExtension": "RawJson",
    "apimachinery.pkg.api.resource.Quantity": "Quantity",
    "apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON": "RawJson",
    "apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSON": "RawJson",
}
order, index = [], {}
def visit(name):
    if name in index or name in SPECIAL:
        return
    if name not in messages:
        raise SystemExit(f"unresolved message {name}")
    index[name] = len(order)
    order.append(name)
    for _, _, kind, target, _ in messages[name]:
        if target:
            visit(target)
for _, _, full in sorted(resources):
    visit(full)

SCALAR = {"string": "Str", "int32": "Int", "int64": "Int", "bool": "Bool", "double": "Double", "bytes": "Bytes"}
def ty(kind, target):
    if target in SPECIAL:
        return f"Ty::{SPECIAL[target]}"
    if target:
        return f"Ty::Msg({index[target]})"
    if kind == "message":
        raise SystemExit("message without target")
    return f"Ty::{SCALAR[kind]}"

out = ["//! GENERATED by scripts/gen-protobuf-schema.py from the k8s-pb crate's prost types (field numbers and",
       "//! types) and k8s-openapi's serde names (JSON field names); do not edit. One table per message the",
       "//! served kinds reach; `KINDS` maps apiVersion and kind to the kind's message.",
       "",
       "use crate::protobuf::{Card, F, Ty};",
       "",
       "pub(super) static MESSAGES: &[&[F]] = &["]
for name in order:
    out.append(f"    // {name}")
    fields = ", ".join(f'F({t}, "{j}", {ty(k, tg)}, Card::{c})' for t, j, k, tg, c in messages[name])
    out.append(f"    &[{fields}],")
out.append("];")
out.append("")

def openapi_name(full):
    module, _, name = full.rpartition(".")
    module = module.replace("apiextensions_apiserver", "apiextensions-apiserver").replace("kube_aggregator", "kube-aggregator")
    return f"io.k8s.{module}.{name}"

def lit(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

out.append("/// Each message's OpenAPI name, description, and its fields' descriptions (from the Go comments).")
out.append("pub(crate) static DOCS: &[(&str, &str, &[&str])] = &[")
for name in order:
    mdoc, fdocs = docs[name]
    out.append(f"    ({lit(openapi_name(name))}, {lit(mdoc)}, &[{', '.join(lit(d) for d in fdocs)}]),")
out.append("];")
out.append("")
out.append("pub(super) static KINDS: &[(&str, &str, usize)] = &[")
for av, kind, full in sorted(set(resources)):
    out.append(f'    ("{av}", "{kind}", {index[full]}),')
out.append("];")
print("\n".join(out))
if missing:
    print(f"no JSON name in k8s-openapi for (camelCased): {sorted(missing)}", file=sys.stderr)
