#!/usr/bin/env python3
"""The project's own rules for rendered manifests, beyond the Kubernetes schemas: what
deploy/k8s promises (hardened pods, probes, resources, one of each object per component,
references that resolve). Exits non-zero on the first file with a violation, naming each.

usage: check_manifests.py RENDERED.yaml [--overlay] [--external NAME ...]
  --overlay    the file is a whole overlay: every namespaced object must have a namespace
  --external   Secrets and ConfigMaps that the operator creates beforehand (production)
"""

import argparse
import sys

import yaml

KNOWN_KINDS = {
    "Namespace", "ServiceAccount", "ConfigMap", "Secret", "Service", "Deployment",
    "StatefulSet", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy",
    "Ingress",
}
CLUSTER_SCOPED = {"Namespace"}
COMPONENTS = ["catalog", "cases", "trading", "supervision", "gateway"]
GRPC_PORT = 50051
# The plaintext grpc.health.v1 port the services' probes use (the gRPC port may be TLS).
HEALTH_PORT = 50061
METRICS_PORT = 9464


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, what):
        self.items.append(f"{where}: {what}")


def container_rules(p, where, c):
    sc = c.get("securityContext") or {}
    if sc.get("allowPrivilegeEscalation") is not False:
        p.add(where, "allowPrivilegeEscalation must be false")
    if sc.get("readOnlyRootFilesystem") is not True:
        p.add(where, "readOnlyRootFilesystem must be true")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        p.add(where, "capabilities must drop ALL")
    if sc.get("privileged"):
        p.add(where, "must not be privileged")
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(kind) or {}):
                p.add(where, f"resources.{kind}.{r} is missing")
    for probe in ("readinessProbe", "livenessProbe"):
        if probe not in c:
            p.add(where, f"{probe} is missing")
    image = c.get("image", "")
    if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
        p.add(where, f"image {image!r} must carry a fixed tag")


def pod_rules(p, where, spec):
    sc = spec.get("securityContext") or {}
    if sc.get("runAsNonRoot") is not True:
        p.add(where, "runAsNonRoot must be true")
    if not isinstance(sc.get("runAsUser"), int) or sc.get("runAsUser") == 0:
        p.add(where, "runAsUser must be a non-zero number")
    if (sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        p.add(where, "seccompProfile must be RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        p.add(where, "automountServiceAccountToken must be false (no pod talks to the API)")
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        container_rules(p, f"{where} container {c.get('name')}", c)


def probe_rules(p, name, c):
    where = f"Deployment/{name}"
    if name == "gateway":
        paths = {
            "readinessProbe": "/readyz",
            "livenessProbe": "/healthz",
        }
        for probe, path in paths.items():
            got = ((c.get(probe) or {}).get("httpGet") or {}).get("path")
            if got != path:
                p.add(where, f"{probe} must be an HTTP GET of {path}, not {got!r}")
    else:
        for probe in ("readinessProbe", "livenessProbe"):
            grpc = (c.get(probe) or {}).get("grpc") or {}
            if grpc.get("port") != HEALTH_PORT:
                p.add(where, f"{probe} must be a native gRPC probe on port {HEALTH_PORT}")


def metrics_rules(p, name, template):
    """Every component serves metrics on METRICS_PORT and says so to Prometheus."""
    where = f"Deployment/{name}"
    ports = [port.get("containerPort") for port in template["spec"]["containers"][0].get("ports", [])]
    if METRICS_PORT not in ports:
        p.add(where, f"container port {METRICS_PORT} (metrics) is missing")
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    if annotations.get("prometheus.io/scrape") != "true":
        p.add(where, "annotation prometheus.io/scrape must be \"true\"")
    if annotations.get("prometheus.io/port") != str(METRICS_PORT):
        p.add(where, f"annotation prometheus.io/port must be \"{METRICS_PORT}\"")


def referenced(spec):
    """(kind, name) of every ConfigMap and Secret a pod spec uses."""
    refs = set()
    for v in spec.get("volumes", []):
        if "configMap" in v:
            refs.add(("ConfigMap", v["configMap"]["name"]))
        if "secret" in v:
            refs.add(("Secret", v["secret"]["secretName"]))
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        for e in c.get("env", []):
            src = e.get("valueFrom") or {}
            if "secretKeyRef" in src:
                refs.add(("Secret", src["secretKeyRef"]["name"]))
            if "configMapKeyRef" in src:
                refs.add(("ConfigMap", src["configMapKeyRef"]["name"]))
        for e in c.get("envFrom", []):
            if "secretRef" in e:
                refs.add(("Secret", e["secretRef"]["name"]))
            if "configMapRef" in e:
                refs.add(("ConfigMap", e["configMapRef"]["name"]))
    return refs


def check(docs, overlay, external):
    p = Problems()
    have = {}
    refs = set()
    for d in docs:
        kind, name = d.get("kind"), (d.get("metadata") or {}).get("name")
        where = f"{kind}/{name}"
        if kind not in KNOWN_KINDS:
            p.add(where, "kind not expected here (no schema would check it)")
            continue
        if (kind, name) in have:
            p.add(where, "defined twice")
        have[(kind, name)] = d
        if overlay and kind not in CLUSTER_SCOPED and not d["metadata"].get("namespace"):
            p.add(where, "has no namespace")
        if kind in ("Deployment", "StatefulSet"):
            spec = d["spec"]["template"]["spec"]
            pod_rules(p, where, spec)
            refs |= referenced(spec)
            if spec.get("serviceAccountName") != name:
                p.add(where, "must run as its own ServiceAccount")
        if kind == "Deployment" and name in COMPONENTS:
            probe_rules(p, name, d["spec"]["template"]["spec"]["containers"][0])
            metrics_rules(p, name, d["spec"]["template"])
        if kind == "HorizontalPodAutoscaler" and d.get("apiVersion") != "autoscaling/v2":
            p.add(where, "must be autoscaling/v2")

    for name in COMPONENTS:
        for kind in ("Deployment", "Service", "ServiceAccount", "PodDisruptionBudget",
                     "HorizontalPodAutoscaler", "NetworkPolicy"):
            if (kind, name) not in have:
                p.add(f"{kind}/{name}", "is missing")
    for kind, name in (("NetworkPolicy", "default-deny"), ("NetworkPolicy", "allow-dns"),
                       ("NetworkPolicy", "allow-metrics-scrape")):
        if (kind, name) not in have:
            p.add(f"{kind}/{name}", "is missing")
    for kind, name in sorted(refs):
        if (kind, name) not in have and name not in external:
            p.add(f"{kind}/{name}", "is referenced by a pod but neither rendered nor external")
    return p.items


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--overlay", action="store_true")
    ap.add_argument("--external", nargs="*", default=[])
    args = ap.parse_args()
    with open(args.file, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    problems = check(docs, args.overlay, set(args.external))
    for line in problems:
        print(f"ERROR {args.file}: {line}")
    if problems:
        return 1
    print(f"ok {args.file}: {len(docs)} objects follow the project's rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
