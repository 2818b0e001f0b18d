"""paddock tenant provisioner: gives every app namespace its own Vault role and
Redis user, and keeps Vault seeded. Python standard library only.

One pass (idempotent, safe to repeat):
  1. platform secrets: the Vault dev root token (vault-system/vault-root-token)
     and the Redis admin password (redis-system/redis-admin) are generated once
     if missing. Vault and Redis wait for them before they start.
  2. Vault: KV v2 at secret/, Kubernetes auth, demo secrets (written only when
     the path is empty, so real values put there later are never overwritten).
  3. per tenant namespace: exactly `<app>-ns`, labels paddock.dev/tenant=true
     and paddock.dev/app=<app>, with <app> a valid app name that is not
     reserved (RESERVED_*, a copy of charts/app/files/reserved-names.yaml).
     Any other namespace with the tenant label is skipped, and the pass logs
     it once:
       - Vault policy <app>: read secret/data/<prefix>/<app> and nothing else;
       - Vault role <app>: service account <app> in <app>-ns only, audience
         vault, short token TTL;
       - Secret redis-credentials (key password) in <app>-ns, generated once;
       - Redis ACL user <app>: that password, keys ~<app>||* only, the
         commands Dapr's state store sends; for pub/sub, one selector per role
         with the exact topic keys (see topic_grants): XADD on the topics it
         owns, the consumer-group commands on the topics it may receive.
  4. secrets that changed reach the app: Dapr's file secret store reads the
     Secret ESO writes (<app>-secrets) once, when the sidecar starts, so a
     value changed in Vault would never reach a running app. Each pass hashes
     that Secret's data and records it on the app's Deployments; when it
     differs from the last pass's, the Deployment's pod template gets it too,
     which rolls the pods (surge first: no downtime). Only those two
     annotations are written.
  5. what is gone: roles, policies and Redis users of apps whose namespace
     no longer exists are removed; the platform's own principals (Redis
     default and admin, Vault's default and root policies) and anything not
     shaped like what this script makes are never touched.

`provisioner.py once` runs one pass (the seed Job); `provisioner.py loop` runs a
pass every INTERVAL seconds and marks itself ready after the first full pass.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
KUBE_API = os.environ.get("KUBE_API", "https://kubernetes.default.svc")
VAULT_ADDR = os.environ.get("VAULT_ADDR", "http://vault.vault-system.svc.cluster.local:8200")
REDIS_HOST = os.environ.get("REDIS_HOST", "redis.redis-system.svc.cluster.local")
REDIS_PORT = int(os.environ.get("REDIS_PORT", "6379"))
KV_MOUNT = os.environ.get("VAULT_KV_MOUNT", "secret")
PATH_PREFIX = os.environ.get("VAULT_PATH_PREFIX", "dapr")
AUTH_MOUNT = os.environ.get("VAULT_AUTH_MOUNT", "kubernetes")
AUDIENCE = os.environ.get("VAULT_AUDIENCE", "vault")
TOKEN_TTL = os.environ.get("VAULT_TOKEN_TTL", "10m")
DEMO_SECRETS = os.environ.get("DEMO_SECRETS_FILE", "/etc/provisioner/demo-secrets.json")
INTERVAL = int(os.environ.get("INTERVAL", "30"))
READY_FILE = os.environ.get("READY_FILE", "/tmp/ready")
TENANT_LABEL = "paddock.dev/tenant=true"
MANAGED = {"app.kubernetes.io/managed-by": "paddock-tenant-provisioner"}
# The platform's own principals: never created, changed or removed for a tenant.
PLATFORM_REDIS_USERS = {"default", "admin"}
PLATFORM_VAULT_POLICIES = {"default", "root"}

# Names no app may take: a copy of charts/app/files/reserved-names.yaml
# (test/gitops/provisioner.test.ts keeps them equal).
RESERVED_EXACT = ["system", "platform", "paddock", "control-plane", "admin", "default", "root", "kube", "kubernetes",
                  "dapr", "flux", "cilium", "vault", "redis", "harbor", "monitoring", "prometheus", "external-secrets",
                  "cert-manager", "ingress-nginx", "metrics-server", "y", "n", "yes", "no", "on", "off", "true", "false",
                  "null"]
RESERVED_PREFIXES = ["kube-", "dapr-", "flux-", "paddock-", "cilium-", "system-"]
MAX_NAME_LENGTH = 53
APP_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
# A topic is a Redis key: no glob character, no "|" (state keys are <app>||<key>).
TOPIC_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
# Namespace annotations onboarding writes (platform/apps/<app>/namespace.yaml).
PUBLISHES = "paddock.dev/pubsub-publishes"
SUBSCRIBES = "paddock.dev/pubsub-subscribes"
SUBSCRIBERS = "paddock.dev/pubsub-subscribers"

# What one app's Redis user may run on its own keys: the commands Dapr's Redis
# client and state store send (measured; each is explained in
# packages/paddock/src/dev/redis.ts, which `paddock dev --backend redis` uses;
# test/gitops/provisioner.test.ts keeps the two equal).
STATE_COMMANDS = ["+auth", "+hello", "+ping", "+info", "+eval", "+evalsha", "+get", "+hget", "+hgetall", "+hset",
                  "+hincrby", "+del", "+expire", "+persist", "+multi", "+exec", "+discard"]
# go-redis sends CLIENT SETINFO from Redis 7.2 on (where the command exists).
SETINFO_COMMAND = "+client|setinfo"
SETINFO_SINCE = [7, 2]
PUBLISH_COMMANDS = ["+xadd"]
SUBSCRIBE_COMMANDS = ["+xgroup|create", "+xreadgroup", "+xack", "+xpending", "+xclaim"]


def log(msg):
    print(json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "msg": msg}), flush=True)


# --- Kubernetes -------------------------------------------------------------

class Kube:
    def __init__(self):
        token_file = os.environ.get("KUBE_TOKEN_FILE", f"{SA_DIR}/token")
        self.token = open(token_file).read().strip() if os.path.exists(token_file) else os.environ.get("KUBE_TOKEN", "")
        ca = os.environ.get("KUBE_CA_FILE", f"{SA_DIR}/ca.crt")
        self.ctx = ssl.create_default_context(cafile=ca) if os.path.exists(ca) else ssl._create_unverified_context()

    def call(self, method, path, body=None):
        req = urllib.request.Request(KUBE_API + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Content-Type", "application/merge-patch+json" if method == "PATCH" else "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=15) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, {}

    def namespaces(self):
        status, body = self.call("GET", f"/api/v1/namespaces?labelSelector={TENANT_LABEL}")
        if status != 200:
            raise RuntimeError(f"cannot list tenant namespaces (HTTP {status})")
        return body.get("items", [])

    def tenants(self):
        return select_tenants(self.namespaces())[0]

    def roll_on_secret_change(self, app, namespace):
        """Step 4: record the hash of <app>-secrets on the app's Deployments; roll them when it changed."""
        status, secret = self.call("GET", f"/api/v1/namespaces/{namespace}/secrets/{app}-secrets")
        if status != 200:
            return  # no secret store, or ESO has not written it yet
        digest = secrets_hash(secret)
        selector = urllib.parse.quote(f"app.kubernetes.io/name={app}")
        status, body = self.call("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments?labelSelector={selector}")
        if status != 200:
            raise RuntimeError(f"cannot list the Deployments in {namespace} (HTTP {status})")
        for d in body.get("items", []):
            patch = restart_patch(d, digest)
            if patch is None:
                continue
            name = d["metadata"]["name"]
            status, _ = self.call("PATCH", f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}", patch)
            if status != 200:
                raise RuntimeError(f"cannot annotate Deployment {namespace}/{name} (HTTP {status})")
            if "spec" in patch:
                log(f"{namespace}/{name}: Secret {app}-secrets changed; rolling its pods so its sidecar reads the new values")

    def ensure_secret(self, namespace, name, key, generate, valid=lambda value: True):
        """The value of Secret namespace/name[key]; generated and written if missing (or not valid)."""
        status, body = self.call("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
        if status == 200 and key in body.get("data", {}):
            value = base64.b64decode(body["data"][key]).decode()
            if valid(value):
                return value
            log(f"Secret {namespace}/{name} holds a value that cannot work; generating a new one")
        value = generate()
        secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": {"name": name, "namespace": namespace, "labels": MANAGED},
                  "data": {key: base64.b64encode(value.encode()).decode()}}
        if status == 200:
            status, _ = self.call("PUT", f"/api/v1/namespaces/{namespace}/secrets/{name}", secret)
        else:
            status, _ = self.call("POST", f"/api/v1/namespaces/{namespace}/secrets", secret)
        if status not in (200, 201):
            raise RuntimeError(f"cannot write Secret {namespace}/{name} (HTTP {status})")
        log(f"generated Secret {namespace}/{name}")
        return value


# --- Who is a tenant, and what it may do (no I/O) -----------------------------

def name_problem(app):
    """Why `app` cannot be a tenant, or None when it can (the contract's rules)."""
    if not APP_NAME.fullmatch(app):
        return f'the app name "{app}" is not a valid app name'
    if app in RESERVED_EXACT:
        return f'the app name "{app}" is reserved for the platform'
    for prefix in RESERVED_PREFIXES:
        if app.startswith(prefix):
            return f'the app name "{app}" starts with the reserved prefix "{prefix}"'
    if len(app) > MAX_NAME_LENGTH:
        return f'the app name "{app}" is longer than {MAX_NAME_LENGTH} characters'
    return None


def _list(annotations, key):
    return [x.strip() for x in annotations.get(key, "").split(",") if x.strip()]


def select_tenants(items):
    """The tenants among namespace objects: {app: declaration}, and [(namespace, why skipped)]."""
    tenants, skipped = {}, []
    for ns in items:
        meta = ns.get("metadata", {})
        name = meta.get("name", "")
        if meta.get("deletionTimestamp"):
            continue
        labels = meta.get("labels") or {}
        app = labels.get("paddock.dev/app", "")
        if labels.get("paddock.dev/tenant") != "true":
            problem = 'its label paddock.dev/tenant is not "true"'
        elif not app:
            problem = "it has no paddock.dev/app label"
        else:
            problem = name_problem(app)
            if problem is None and name != f"{app}-ns":
                problem = f"its name is not {app}-ns (label paddock.dev/app: {app})"
        if problem:
            skipped.append((name, problem))
            continue
        annotations = meta.get("annotations") or {}
        tenants[app] = {"app": app, "namespace": name, "publishes": _list(annotations, PUBLISHES),
                        "subscribes": _list(annotations, SUBSCRIBES), "subscribers": _list(annotations, SUBSCRIBERS)}
    return tenants, skipped


def topic_grants(tenants):
    """Each tenant's topics: {app: {"publish": [...], "subscribe": [...]}}, and the problems found.

    A topic belongs to the one app that publishes it (two claimants: neither);
    another app receives it only when it subscribes and the owner lists its
    namespace among its subscribers. The same rule as
    packages/paddock/src/connectivity/topics.ts (kept equal by a test).
    """
    problems = []
    decls = [tenants[a] for a in sorted(tenants)]

    def valid(d, topics):
        out = []
        for t in sorted(set(topics)):
            if TOPIC_NAME.fullmatch(t):
                out.append(t)
            else:
                problems.append({"kind": "bad-name", "topic": t, "app": d["app"]})
        return out

    publishes = {d["app"]: valid(d, d["publishes"]) for d in decls}
    subscribes = {d["app"]: valid(d, d["subscribes"]) for d in decls}
    publishers = {}
    for d in decls:
        for t in publishes[d["app"]]:
            publishers.setdefault(t, []).append(d["app"])
    owner = {}
    for t in sorted(publishers):
        if len(publishers[t]) == 1:
            owner[t] = publishers[t][0]
        else:
            problems.append({"kind": "shared", "topic": t, "publishers": publishers[t]})
    grants = {}
    for d in decls:
        app = d["app"]
        subscribe = []
        for t in subscribes[app]:
            o = owner.get(t)
            if o is None:
                if t not in publishers:
                    problems.append({"kind": "no-publisher", "topic": t, "subscriber": app})
            elif o == app or d["namespace"] in tenants[o]["subscribers"]:
                subscribe.append(t)
            else:
                problems.append({"kind": "not-accepted", "topic": t, "subscriber": app, "publisher": o})
        grants[app] = {"publish": [t for t in publishes[app] if owner.get(t) == app], "subscribe": subscribe}
    return grants, problems


def describe_problem(p):
    if p["kind"] == "shared":
        return f"topic {p['topic']} is published by {', '.join(p['publishers'])}: no one may send to it or receive it"
    if p["kind"] == "not-accepted":
        return f"{p['subscriber']} subscribes to {p['topic']}, but {p['publisher']} does not accept {p['subscriber']}-ns"
    if p["kind"] == "no-publisher":
        return f"{p['subscriber']} subscribes to {p['topic']}, which no app publishes"
    return f"{p['app']}: {p['topic']!r} is not a valid topic name"


SECRETS_HASH = "paddock.dev/secrets-hash"


def secrets_hash(secret):
    """A digest of a Secret's data (never the data itself)."""
    return hashlib.sha256(json.dumps(secret.get("data") or {}, sort_keys=True).encode()).hexdigest()[:16]


def restart_patch(deployment, digest):
    """The merge patch recording digest on a Deployment, None when it is recorded already. The first
    time, only the Deployment's own annotation (its pods started with this data); on a change, the pod
    template's too, which rolls the pods."""
    seen = (deployment.get("metadata", {}).get("annotations") or {}).get(SECRETS_HASH)
    if seen == digest:
        return None
    patch = {"metadata": {"annotations": {SECRETS_HASH: digest}}}
    if seen is not None:
        patch["spec"] = {"template": {"metadata": {"annotations": {SECRETS_HASH: digest}}}}
    return patch


def knows_setinfo(version):
    parts = [int(x) if x.isdigit() else 0 for x in (version.split(".") + ["0", "0"])[:2]]
    return parts >= SETINFO_SINCE


def acl_rule(app, grants, setinfo):
    """The ACL SETUSER arguments after the password: own keys, then one selector per pub/sub role."""
    rule = ["resetkeys", f"~{app}||*", "resetchannels", "-@all", *STATE_COMMANDS, *([SETINFO_COMMAND] if setinfo else [])]

    def selector(topics, commands):
        return "(" + " ".join([*(f"~{t}" for t in topics), "-@all", *commands]) + ")"
    if grants["publish"]:
        rule.append(selector(grants["publish"], PUBLISH_COMMANDS))
    if grants["subscribe"]:
        rule.append(selector(grants["subscribe"], SUBSCRIBE_COMMANDS))
    return rule


# --- Vault (HTTP API) ---------------------------------------------------------

class Vault:
    def __init__(self, token):
        self.token = token

    def call(self, method, path, body=None):
        req = urllib.request.Request(f"{VAULT_ADDR}/v1/{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode())
        req.add_header("X-Vault-Token", self.token)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as e:
            return e.code, {}

    def must(self, method, path, body=None, ok=(200, 204)):
        status, out = self.call(method, path, body)
        if status not in ok:
            raise RuntimeError(f"Vault {method} {path}: HTTP {status}")
        return out

    def seed(self, demo):
        mounts = self.must("GET", "sys/mounts")
        if f"{KV_MOUNT}/" not in mounts.get("data", mounts):
            self.must("POST", f"sys/mounts/{KV_MOUNT}", {"type": "kv", "options": {"version": "2"}})
        auths = self.must("GET", "sys/auth")
        if f"{AUTH_MOUNT}/" not in auths.get("data", auths):
            self.must("POST", f"sys/auth/{AUTH_MOUNT}", {"type": "kubernetes"})
            log("enabled Vault Kubernetes auth")
        # Vault reviews tokens with its own service account (system:auth-delegator).
        self.must("POST", f"auth/{AUTH_MOUNT}/config", {"kubernetes_host": "https://kubernetes.default.svc"})
        for app, data in demo.items():
            status, _ = self.call("GET", f"{KV_MOUNT}/data/{PATH_PREFIX}/{app}")
            if status == 404:
                self.must("POST", f"{KV_MOUNT}/data/{PATH_PREFIX}/{app}", {"data": data})
                log(f"seeded demo secrets at {KV_MOUNT}/{PATH_PREFIX}/{app}")

    def ensure_tenant(self, app, namespace):
        policy = f'path "{KV_MOUNT}/data/{PATH_PREFIX}/{app}" {{\n  capabilities = ["read"]\n}}\n'
        self.must("PUT", f"sys/policies/acl/{app}", {"policy": policy})
        self.must("POST", f"auth/{AUTH_MOUNT}/role/{app}", {
            "bound_service_account_names": [app],
            "bound_service_account_namespaces": [namespace],
            "audience": AUDIENCE,
            "token_policies": [app],
            "token_ttl": TOKEN_TTL,
            "token_max_ttl": TOKEN_TTL,
        })

    def roles(self):
        status, out = self.call("GET", f"auth/{AUTH_MOUNT}/role?list=true")  # Vault's LIST, as GET
        return set(out.get("data", {}).get("keys", [])) if status == 200 else set()

    def is_tenant_role(self, app):
        """Whether role `app` is shaped like the ones ensure_tenant makes (so it is ours to remove)."""
        status, out = self.call("GET", f"auth/{AUTH_MOUNT}/role/{app}")
        data = out.get("data", {}) if status == 200 else {}
        return data.get("bound_service_account_namespaces") == [f"{app}-ns"] and data.get("token_policies") == [app]

    def remove_tenant(self, app):
        self.must("DELETE", f"auth/{AUTH_MOUNT}/role/{app}")
        if app not in PLATFORM_VAULT_POLICIES:
            self.must("DELETE", f"sys/policies/acl/{app}")
        log(f"removed Vault role and policy {app}")


# --- Redis (RESP over a socket) -----------------------------------------------

class Redis:
    def __init__(self, password):
        self.sock = socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=10)
        self.buf = self.sock.makefile("rb")
        self.cmd("AUTH", "admin", password)

    def cmd(self, *args):
        out = f"*{len(args)}\r\n".encode()
        for a in args:
            b = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(b), b)
        self.sock.sendall(out)
        return self.read()

    def read(self):
        line = self.buf.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(f"Redis: {rest.decode()}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.buf.read(n + 2)[:-2]
            return data.decode()
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError(f"Redis: unexpected reply {line!r}")

    def version(self):
        for line in self.cmd("INFO", "server").splitlines():
            if line.startswith("redis_version:"):
                return line.split(":", 1)[1].strip()
        return "0.0.0"

    def ensure_user(self, app, password, grants=None, setinfo=None):
        if app in PLATFORM_REDIS_USERS:
            raise RuntimeError(f"refusing to change the platform's Redis user {app}")
        if setinfo is None:
            setinfo = knows_setinfo(self.version())
        # reset first, so a changed rule never leaves an old permission behind;
        # the password is stored as its SHA-256, never in the clear.
        digest = hashlib.sha256(password.encode()).hexdigest()
        self.cmd("ACL", "SETUSER", app, "reset", "on", f"#{digest}",
                 *acl_rule(app, grants or {"publish": [], "subscribe": []}, setinfo))

    def users(self):
        return set(self.cmd("ACL", "USERS")) - PLATFORM_REDIS_USERS

    def is_tenant_user(self, app):
        """Whether user `app` is shaped like the ones ensure_user makes (its own key prefix)."""
        info = self.cmd("ACL", "GETUSER", app) or []
        fields = dict(zip(info[::2], info[1::2]))
        return app not in PLATFORM_REDIS_USERS and fields.get("keys") == f"~{app}||*"

    def remove_user(self, app):
        self.cmd("ACL", "DELUSER", app)
        log(f"removed Redis user {app}")

    def close(self):
        try:
            self.cmd("ACL", "SAVE")
        finally:
            self.sock.close()


def password():
    return secrets.token_urlsafe(32)


# Vault refuses a dev root token ID with the prefix of its own token formats
# ("invalid request", and `vault server -dev` exits): found on the live cluster.
VAULT_RESERVED_TOKEN_PREFIXES = ("hvs.", "hvb.", "hvr.", "s.", "b.", "r.")


def vault_token_id_allowed(value):
    return bool(value) and not value.startswith(VAULT_RESERVED_TOKEN_PREFIXES)


def vault_root_token():
    return secrets.token_urlsafe(32)  # URL-safe base64 has no ".": never a reserved prefix


def one_pass(kube):
    root = kube.ensure_secret("vault-system", "vault-root-token", "token", vault_root_token, valid=vault_token_id_allowed)
    admin = kube.ensure_secret("redis-system", "redis-admin", "password", password)
    demo = json.load(open(DEMO_SECRETS)) if os.path.exists(DEMO_SECRETS) else {}
    vault = Vault(root)
    vault.seed(demo)
    redis = Redis(admin)
    try:
        tenants, skipped = select_tenants(kube.namespaces())
        if skipped:
            log("skipped (not provisioned): " + "; ".join(f"{ns}: {why}" for ns, why in skipped))
        grants, problems = topic_grants(tenants)
        if problems:
            log("pub/sub: " + "; ".join(describe_problem(p) for p in problems))
        setinfo = knows_setinfo(redis.version())
        for app, t in sorted(tenants.items()):
            vault.ensure_tenant(app, t["namespace"])
            redis.ensure_user(app, kube.ensure_secret(t["namespace"], "redis-credentials", "password", password),
                              grants[app], setinfo)
            kube.roll_on_secret_change(app, t["namespace"])
        for app in sorted(vault.roles() - set(tenants)):
            if vault.is_tenant_role(app):
                vault.remove_tenant(app)
        for app in sorted(redis.users() - set(tenants)):
            if redis.is_tenant_user(app):
                redis.remove_user(app)
    finally:
        redis.close()
    return tenants


def main(argv):
    mode = argv[1] if len(argv) > 1 else "once"
    kube = Kube()
    if mode == "once":
        for attempt in range(60):
            try:
                tenants = one_pass(kube)
                log(f"pass complete: {len(tenants)} tenant(s): {', '.join(sorted(tenants)) or '-'}")
                return 0
            except (OSError, RuntimeError) as err:
                log(f"not yet ({err}); retrying in 10s")
                time.sleep(10)
        return 1
    seen = None
    while True:
        try:
            tenants = one_pass(kube)
            if tenants.keys() != seen:
                log(f"tenants: {', '.join(sorted(tenants)) or '-'}")
                seen = tenants.keys()
            open(READY_FILE, "w").close()
        except (OSError, RuntimeError) as err:
            log(f"pass failed: {err}")
        time.sleep(INTERVAL)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
