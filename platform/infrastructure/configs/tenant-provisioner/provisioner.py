"""paddock tenant provisioner: gives every app namespace its own Vault role and
Redis user, and keeps Vault seeded. Python standard library only.

One pass (idempotent, safe to repeat):
  1. platform secrets: the Vault dev root token (vault-system/vault-root-token)
     and the Redis admin password (redis-system/redis-admin) are generated once
     if missing. Vault and Redis wait for them before they start.
  2. Vault: KV v2 at secret/, Kubernetes auth, demo secrets (written only when
     the path is empty, so real values put there later are never overwritten).
  3. per tenant namespace (label paddock.dev/tenant=true, app name from label
     paddock.dev/app, namespace <app>-ns):
       - Vault policy <app>: read secret/data/<prefix>/<app> and nothing else;
       - Vault role <app>: service account <app> in <app>-ns only, audience
         vault, short token TTL;
       - Secret redis-credentials (key password) in <app>-ns, generated once;
       - Redis ACL user <app>: that password, keys ~<app>||* only, the
         commands Dapr's state store needs (stream commands too when the
         namespace has paddock.dev/pubsub=true).
  4. what is gone: roles, policies and Redis users of apps whose namespace
     no longer exists are removed.

`provisioner.py once` runs one pass (the seed Job); `provisioner.py loop` runs a
pass every INTERVAL seconds and marks itself ready after the first full pass.
"""

import base64
import hashlib
import json
import os
import secrets
import socket
import ssl
import sys
import time
import urllib.error
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
# Redis users that are the platform's, never removed as stale.
REDIS_SYSTEM_USERS = {"default", "admin"}
# What one app's Redis user may run: the commands Dapr's Redis state store
# sends, on the app's own keys (<app>||*, keyPrefix appid) only. The same rule
# as `paddock dev --backend redis` (packages/paddock/src/dev/redis.ts, where
# each command is explained); test/gitops/provisioner.test.ts keeps them equal.
STATE_COMMANDS = ["+@connection", "+info", "+eval", "+evalsha", "+get", "+hget", "+hgetall", "+hset", "+hincrby",
                  "+del", "+expire", "+persist", "+multi", "+exec", "+discard"]
# Pub/sub (streams) keys are topic names, shared between apps by design: only
# for apps whose namespace says paddock.dev/pubsub=true.
PUBSUB_SELECTOR = "(~* -@all +@stream +@connection)"


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
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=15) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, {}

    def tenants(self):
        status, body = self.call("GET", f"/api/v1/namespaces?labelSelector={TENANT_LABEL}")
        if status != 200:
            raise RuntimeError(f"cannot list tenant namespaces (HTTP {status})")
        apps = {}
        for ns in body.get("items", []):
            meta = ns["metadata"]
            app = meta.get("labels", {}).get("paddock.dev/app", "")
            # Only <app>-ns namespaces count: the name binds the Vault role and the chart.
            if app and meta["name"] == f"{app}-ns" and not meta.get("deletionTimestamp"):
                apps[app] = (meta["name"], meta.get("labels", {}).get("paddock.dev/pubsub") == "true")
        return apps

    def ensure_secret(self, namespace, name, key, generate):
        """The value of Secret namespace/name[key]; generated and created if missing."""
        status, body = self.call("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
        if status == 200 and key in body.get("data", {}):
            return base64.b64decode(body["data"][key]).decode()
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

    def remove_tenant(self, app):
        self.must("DELETE", f"auth/{AUTH_MOUNT}/role/{app}")
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

    def ensure_user(self, app, password, pubsub=False):
        # reset first, so a changed rule never leaves an old permission behind;
        # the password is stored as its SHA-256, never in the clear.
        digest = hashlib.sha256(password.encode()).hexdigest()
        args = ["ACL", "SETUSER", app, "reset", "on", f"#{digest}", "resetkeys", f"~{app}||*",
                "resetchannels", "-@all", *STATE_COMMANDS]
        if pubsub:
            args += ["&*", PUBSUB_SELECTOR]
        self.cmd(*args)

    def users(self):
        return set(self.cmd("ACL", "USERS")) - REDIS_SYSTEM_USERS

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


def one_pass(kube):
    root = kube.ensure_secret("vault-system", "vault-root-token", "token", lambda: "hvs." + secrets.token_urlsafe(24))
    admin = kube.ensure_secret("redis-system", "redis-admin", "password", password)
    demo = json.load(open(DEMO_SECRETS)) if os.path.exists(DEMO_SECRETS) else {}
    vault = Vault(root)
    vault.seed(demo)
    redis = Redis(admin)
    try:
        tenants = kube.tenants()
        for app, (namespace, pubsub) in sorted(tenants.items()):
            vault.ensure_tenant(app, namespace)
            redis.ensure_user(app, kube.ensure_secret(namespace, "redis-credentials", "password", password), pubsub)
        for app in sorted(vault.roles() - set(tenants)):
            vault.remove_tenant(app)
        for app in sorted(redis.users() - set(tenants)):
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
