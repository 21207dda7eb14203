#!/usr/bin/env bash
# Validates deploy/ offline: no cluster, no network.
#
#   scripts/validate-deploy.sh [MANIFEST_DIR]      # default deploy/kubernetes
#
# 1. Every *.yaml / *.yml in MANIFEST_DIR against the Kubernetes OpenAPI schemas bundled with PyPI's
#    kubernetes-validate, strictly (unknown fields fail), for the oldest and newest versions it bundles that we
#    support (KUBERNETES_VERSIONS, default "1.34.0 1.37.0").
# 2. The facts a schema cannot see, across fields and files: probe paths (/health for liveness and start-up, /ready
#    for readiness); probe ports, the Service's targetPort and the server's --port are the container port; --host
#    binds all interfaces; the Deployment's selector matches its pod labels and a Service selects it;
#    terminationGracePeriodSeconds exceeds --drain-seconds; FOUNDRY_THREADS equals the CPU limit; the model, adapters
#    and store paths are on volumes (the first two read-only); the security context (non-root, read-only root,
#    no privilege escalation, all capabilities dropped); no token or secret value in the manifest.
# 3. deploy/Dockerfile against both: EXPOSE = the container port, ENTRYPOINT `foundry serve`, a numeric non-root USER
#    equal to the pod's runAsUser, --host 0.0.0.0 in the default CMD, and its build stage installs exactly the
#    Makefile's APT_PACKAGES. hadolint, when on PATH, lints the Dockerfile too.
#
# Tools come from the peers' venv (FOUNDRY_PEERS_VENV, default ~/.foundry-peers):
#   ~/.foundry-peers/bin/pip install kubernetes-validate      (brings PyYAML)
# Exit status: 0 valid; 1 a check failed (each failure on stderr, naming the resource and field); 2 a tool is missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifests_dir=${1:-$root/deploy/kubernetes}
venv=${FOUNDRY_PEERS_VENV:-$HOME/.foundry-peers}
validator=$venv/bin/kubernetes-validate
python=$venv/bin/python
versions=${KUBERNETES_VERSIONS:-1.34.0 1.37.0}
dockerfile=$root/deploy/Dockerfile

if [ ! -x "$validator" ] || [ ! -x "$python" ]; then
    echo "error: kubernetes-validate is not installed in $venv (set FOUNDRY_PEERS_VENV, or run" \
        "$venv/bin/pip install kubernetes-validate)" >&2
    exit 2
fi
if [ ! -d "$manifests_dir" ]; then
    echo "error: no manifest directory $manifests_dir" >&2
    exit 1
fi
shopt -s nullglob
manifests=("$manifests_dir"/*.yaml "$manifests_dir"/*.yml)
if [ ${#manifests[@]} -eq 0 ]; then
    echo "error: $manifests_dir holds no *.yaml or *.yml manifests" >&2
    exit 1
fi

for version in $versions; do
    if ! "$validator" --strict --quiet -k "$version" "${manifests[@]}" >&2; then
        echo "error: the manifests in $manifests_dir do not validate against Kubernetes $version (strict)" >&2
        exit 1
    fi
    echo "ok: schemas (Kubernetes $version, strict): ${#manifests[@]} files"
done

"$python" - "$dockerfile" "$root/Makefile" "${manifests[@]}" <<'PY'
import re
import shlex
import sys

import yaml

dockerfile_path, makefile_path, manifest_paths = sys.argv[1], sys.argv[2], sys.argv[3:]
errors = []
SERVER_DEFAULTS = {"--port": "8080", "--host": "127.0.0.1", "--drain-seconds": "20"}


def fail(message):
    errors.append(message)


def option(args, name):
    """The value of `--name VALUE` or `--name=VALUE` in a container's args, else the server's default."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return str(args[index + 1])
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return SERVER_DEFAULTS.get(name)


def covers(mounts, path):
    best = None
    for mount in mounts:
        root = mount.get("mountPath", "").rstrip("/")
        if path == root or path.startswith(root + "/"):
            if best is None or len(root) > len(best.get("mountPath", "").rstrip("/")):
                best = mount
    return best


def cpu_cores(quantity):
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


# ---- the Dockerfile ----
docker = {"expose": [], "user": None, "entrypoint": None, "cmd": None, "build_packages": None}
with open(dockerfile_path) as handle:
    logical, current = [], ""
    for line in handle:
        stripped = line.rstrip("\n")
        if stripped.lstrip().startswith("#") and not current:
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            logical.append(current.strip())
        current = ""
stage = 0
for instruction in logical:
    keyword, _, rest = instruction.partition(" ")
    keyword = keyword.upper()
    if keyword == "FROM":
        stage += 1
    elif keyword == "EXPOSE":
        docker["expose"] += [int(port.split("/")[0]) for port in rest.split()]
    elif keyword == "USER":
        docker["user"] = rest.strip()
    elif keyword in ("ENTRYPOINT", "CMD"):
        docker[keyword.lower()] = yaml.safe_load(rest)
    elif keyword == "RUN" and stage == 1 and "apt-get install" in rest:
        for command in rest.split("&&"):
            words = shlex.split(command)
            if "install" in words and "apt-get" in words:
                docker["build_packages"] = [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
with open(makefile_path) as handle:
    match = re.search(r"^APT_PACKAGES\s*:?=\s*(.*)$", handle.read(), re.M)
make_packages = match.group(1).split() if match else None
if make_packages is None:
    fail(f"{makefile_path}: no APT_PACKAGES line")
elif docker["build_packages"] != make_packages:
    fail(f"{dockerfile_path}: the build stage installs {docker['build_packages']}, the Makefile's APT_PACKAGES are "
         f"{make_packages}: keep them the same")
if docker["entrypoint"] != ["foundry", "serve"]:
    fail(f"{dockerfile_path}: ENTRYPOINT is {docker['entrypoint']}; expected [\"foundry\", \"serve\"]")
user = (docker["user"] or "").split(":")[0]
if not user.isdigit() or int(user) == 0:
    fail(f"{dockerfile_path}: USER {docker['user']!r} must be a numeric non-root UID (runAsNonRoot checks numbers)")
if option(docker["cmd"] or [], "--host") != "0.0.0.0":
    fail(f"{dockerfile_path}: the default CMD must pass --host 0.0.0.0 (the server's default 127.0.0.1 is "
         "unreachable from outside the container)")

# ---- the manifests ----
documents = []
for path in manifest_paths:
    with open(path) as handle:
        for document in yaml.safe_load_all(handle):
            if document:
                documents.append((path, document))
deployments = [(p, d) for p, d in documents if d.get("kind") == "Deployment"]
services = [(p, d) for p, d in documents if d.get("kind") == "Service"]
if not deployments:
    fail("no Deployment in the manifests")
if not services:
    fail("no Service in the manifests")

for path, deployment in deployments:
    name = f"{path}: deployment/{deployment['metadata']['name']}"
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    selector = spec["selector"].get("matchLabels", {})
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        fail(f"{name}: spec.selector.matchLabels {selector} does not match the pod template's labels {labels}")
    pod_security = pod.get("securityContext", {})
    for container in pod["containers"]:
        where = f"{name} container {container['name']}"
        args = [str(a) for a in container.get("args", docker["cmd"] or [])]
        if container.get("command"):
            fail(f"{where}: `command` replaces the image's ENTRYPOINT (foundry serve); pass `args` only")
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        port = int(option(args, "--port"))
        if port not in ports.values():
            fail(f"{where}: the server listens on --port {port} but the container ports are {sorted(ports.values())}")
        if port not in docker["expose"]:
            fail(f"{where}: --port {port} is not the Dockerfile's EXPOSE {docker['expose']}")
        if option(args, "--host") not in ("0.0.0.0", "::"):
            fail(f"{where}: --host is {option(args, '--host')}: the probes and the Service cannot reach it; "
                 "pass --host 0.0.0.0")

        def resolve(value):
            return ports.get(value) if isinstance(value, str) and not value.isdigit() else int(value)

        for probe, expected, required in (("livenessProbe", "/health", True), ("readinessProbe", "/ready", True),
                                          ("startupProbe", "/health", False)):
            spec_probe = container.get(probe)
            if spec_probe is None:
                if required:
                    fail(f"{where}: no {probe} (expected GET {expected})")
                continue
            get = spec_probe.get("httpGet")
            if get is None:
                fail(f"{where}: {probe} is not an httpGet probe (expected GET {expected})")
                continue
            if get.get("path") != expected:
                fail(f"{where}: {probe} path is {get.get('path')}; expected {expected}")
            if resolve(get.get("port")) != port:
                fail(f"{where}: {probe} port {get.get('port')} is not the server's port {port}")

        grace = pod.get("terminationGracePeriodSeconds", 30)
        drain = int(option(args, "--drain-seconds"))
        if grace <= drain:
            fail(f"{name}: terminationGracePeriodSeconds {grace} must exceed the server's --drain-seconds {drain} "
                 "(otherwise the kubelet kills it mid-drain)")

        limits = container.get("resources", {}).get("limits", {})
        if "cpu" not in limits or "memory" not in limits:
            fail(f"{where}: resources.limits needs cpu and memory")
        env = {e["name"]: e for e in container.get("env", [])}
        threads = env.get("FOUNDRY_THREADS")
        if threads is None:
            fail(f"{where}: no FOUNDRY_THREADS (Foundry would size its threads by the node's CPUs, not the limit)")
        elif "cpu" in limits:
            field = threads.get("valueFrom", {}).get("resourceFieldRef", {})
            if field:
                if field.get("resource") != "limits.cpu" or field.get("containerName", container["name"]) != container["name"]:
                    fail(f"{where}: FOUNDRY_THREADS reads {field}; expected this container's limits.cpu")
            elif str(threads.get("value")) != str(int(cpu_cores(limits["cpu"]))):
                fail(f"{where}: FOUNDRY_THREADS {threads.get('value')} is not the CPU limit {limits['cpu']}")
        for variable, entry in env.items():
            if re.search(r"TOKEN|SECRET|PASSWORD", variable, re.I) and "value" in entry:
                fail(f"{where}: env {variable} carries a literal value: no tokens or secrets in the manifest")
        if any(re.search(r"token|secret|password", a, re.I) for a in args):
            fail(f"{where}: args mention a token or secret; the server reads its principals from the store")

        mounts = container.get("volumeMounts", [])
        for flag, writable in (("--model", False), ("--adapters", False), ("--store", True)):
            value = option(args, flag)
            if value is None:
                continue
            mount = covers(mounts, value)
            if mount is None:
                fail(f"{where}: {flag} {value} is on no volume mount")
            elif writable and mount.get("readOnly"):
                fail(f"{where}: {flag} {value} is on read-only mount {mount['mountPath']}; the store is written")
            elif not writable and not mount.get("readOnly"):
                fail(f"{where}: {flag} {value} should be mounted read-only ({mount['mountPath']})")

        security = container.get("securityContext", {})
        if not (security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))):
            fail(f"{where}: securityContext.runAsNonRoot must be true")
        if security.get("readOnlyRootFilesystem") is not True:
            fail(f"{where}: securityContext.readOnlyRootFilesystem must be true")
        if security.get("allowPrivilegeEscalation") is not False:
            fail(f"{where}: securityContext.allowPrivilegeEscalation must be false")
        if "ALL" not in security.get("capabilities", {}).get("drop", []):
            fail(f"{where}: securityContext.capabilities.drop must include ALL")
        run_as = security.get("runAsUser", pod_security.get("runAsUser"))
        if run_as is not None and user.isdigit() and int(user) != run_as:
            fail(f"{where}: runAsUser {run_as} is not the Dockerfile's USER {user}")

        for service_path, service in services:
            service_selector = service["spec"].get("selector", {})
            if not service_selector or any(labels.get(k) != v for k, v in service_selector.items()):
                continue
            for service_port in service["spec"].get("ports", []):
                target = service_port.get("targetPort", service_port.get("port"))
                if resolve(target) != port:
                    fail(f"{service_path}: service/{service['metadata']['name']} port {service_port.get('port')} "
                         f"targetPort {target} is not the server's port {port}")

for path, service in services:
    service_selector = service["spec"].get("selector", {})
    selects = any(
        service_selector and all(d["spec"]["template"]["metadata"].get("labels", {}).get(k) == v
                                 for k, v in service_selector.items())
        for _, d in deployments)
    if not selects:
        fail(f"{path}: service/{service['metadata']['name']} selector {service_selector} selects no Deployment's pods")

if errors:
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
print(f"ok: cross-field checks: {len(deployments)} deployment(s), {len(services)} service(s), Dockerfile, Makefile")
PY

if command -v hadolint >/dev/null 2>&1; then
    hadolint "$dockerfile" >&2 || { echo "error: hadolint found problems in $dockerfile" >&2; exit 1; }
    echo "ok: hadolint $dockerfile"
else
    echo "note: hadolint is not installed; the Dockerfile was checked against the manifests and the Makefile only"
fi
