#!/usr/bin/env python3
"""Writes kubernetes-definitions.json: the Kubernetes API definitions that deploy/kubernetes uses.

  python3 deploy/schema/subset.py SWAGGER_JSON > deploy/schema/kubernetes-definitions.json

SWAGGER_JSON is a Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json of a Kubernetes
release; README.md says which one this copy came from). The output keeps the definitions of the
kinds in ROOTS and every definition they refer to ($ref), unchanged but for two removals that do
not affect validation: the "description" texts and the "x-kubernetes-*" annotations of each
schema. The test (KubernetesManifestsTest) applies the API server's strictness itself.
"""
import json
import sys

ROOTS = [
    "io.k8s.api.apps.v1.StatefulSet",
    "io.k8s.api.core.v1.ConfigMap",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.policy.v1.PodDisruptionBudget",
]
PREFIX = "#/definitions/"


def refs(node, out):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(PREFIX):
            out.add(ref[len(PREFIX):])
        for value in node.values():
            refs(value, out)
    elif isinstance(node, list):
        for value in node:
            refs(value, out)


def strip(schema):
    """A schema without its descriptions and x-kubernetes-* keys ("properties" maps keep their names)."""
    if isinstance(schema, list):
        return [strip(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "description" and isinstance(value, str):
            continue
        if key.startswith("x-kubernetes-"):
            continue
        if key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
            out[key] = {name: strip(s) for name, s in value.items()}
        else:
            out[key] = strip(value)
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        definitions = json.load(f)["definitions"]
    keep, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found = set()
        refs(definitions[name], found)
        todo.extend(found - keep)
    subset = {name: strip(definitions[name]) for name in sorted(keep)}
    json.dump({"definitions": subset}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
