"""oidc_provider — a real OpenID Connect provider on loopback for the single sign-on tests:
Debian's glewlwyd (installed by scripts/deps.sh test), started as a plain foreground process
with its own configuration and SQLite file in a temporary directory, provisioned through its
admin API.  The checked recipe behind every step: /work/shared/recipes/oidc-provider.md.

Also a tiny browser: one cookie jar, redirects not followed (each hop is looked at).
Stdlib + python3-cryptography (Debian) only.
"""

import http.cookiejar
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

GLEWLWYD = shutil.which("glewlwyd") or "/usr/bin/glewlwyd"
# The schema and the default admin (admin/password), as the package ships them; the same SQL
# as /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz, which doc-less images drop.
SCHEMA = "/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3"


def available():
    """None when the provider can run here, else why not."""
    if not os.path.exists(GLEWLWYD):
        return "glewlwyd is not installed (scripts/deps.sh test installs it)"
    if not os.path.exists(SCHEMA):
        return "glewlwyd's SQLite schema %s is missing" % SCHEMA
    try:
        import cryptography  # noqa: F401  (python3-cryptography makes the signing keys)
    except ImportError:
        return "python3-cryptography is not installed (scripts/deps.sh test installs it)"
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rsa_key_pair():
    """(private PEM, public PEM) of a fresh 2048-bit RSA key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return priv, pub


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name) if self.headers is not None else None

    def cookies_set(self):
        return self.headers.get_all("Set-Cookie") or [] if self.headers is not None else []

    def __repr__(self):
        return "%d %s" % (self.status, self.text[:300].replace("\n", " | "))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """One cookie jar; every answer comes back as it is, redirects included."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, method, url, body=None, headers=None):
        data = None
        h = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=h, method=method)
        try:
            with self.opener.open(req, timeout=20) as r:
                return Answer(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.headers, e.read())

    def get(self, url, headers=None):
        return self.request("GET", url, headers=headers)

    def post(self, url, body):
        return self.request("POST", url, body)

    def put(self, url, body):
        return self.request("PUT", url, body)

    def cookie(self, name):
        for c in self.jar:
            if c.name == name:
                return c.value
        return None

    def drop_cookie(self, name):
        for c in list(self.jar):
            if c.name == name:
                self.jar.clear(c.domain, c.path, c.name)

    def set_cookie(self, name, value, path="/"):
        c = http.cookiejar.Cookie(0, name, value, None, False, "127.0.0.1", False, False, path, True,
                                  False, None, False, None, None, {})
        self.jar.set_cookie(c)


class Provider:
    """glewlwyd on 127.0.0.1:<free port>.  Plugin instances are OIDC issuers at
    <base>/api/<name>; users carry a multi-valued `groups` property, sent as the `groups`
    claim, and their user name as `preferred_username`."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="majorops-oidc-")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.api = self.base + "/api"
        self.proc = None
        self.admin = Browser()

    def issuer(self, plugin="oidc"):
        return "%s/%s" % (self.api, plugin)

    def start(self):
        db = os.path.join(self.dir, "glewlwyd.db")
        con = sqlite3.connect(db)
        with open(SCHEMA) as f:
            con.executescript(f.read())
        # The user backend keeps only the properties its data-format names: add `groups`
        # (several values) so the plugin can put them in a claim.
        row = con.execute("SELECT gumi_parameters FROM g_user_module_instance WHERE gumi_name='database'").fetchone()
        params = json.loads(row[0])
        params["data-format"]["groups"] = {"multiple": True, "read": True, "write": True,
                                           "profile-read": True, "profile-write": False}
        con.execute("UPDATE g_user_module_instance SET gumi_parameters=? WHERE gumi_name='database'",
                    (json.dumps(params),))
        con.commit()
        con.close()
        conf = os.path.join(self.dir, "glewlwyd.conf")
        # NB: no use_secure_connection line at all — if present (even false) glewlwyd wants
        # TLS files and exits.
        with open(conf, "w") as f:
            f.write("""port=%d
bind_address="127.0.0.1"
external_url="%s"
login_url="login.html"
api_prefix="api"
log_mode="file"
log_level="INFO"
log_file="%s/glewlwyd.log"
cookie_secure=0
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
login_api_enabled=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "%s"; };
""" % (self.port, self.base, self.dir, db))
        self.stdout = open(os.path.join(self.dir, "stdout.log"), "wb")
        self.proc = subprocess.Popen([GLEWLWYD, "--config-file=" + conf], stdin=subprocess.DEVNULL,
                                     stdout=self.stdout, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("glewlwyd exited (%s): %s" % (self.proc.returncode, self.log()))
            try:
                if self.admin.get(self.base + "/config").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError("glewlwyd did not answer on %s: %s" % (self.base, self.log()))
        self._expect(self.admin.post(self.api + "/auth/", {"username": "admin", "password": "password"}),
                     "admin sign-in")
        # sign-in with a password is what grants openid (shipped: password_required false)
        self._expect(self.admin.put(self.api + "/scope/openid",
                                    {"display_name": "Open ID", "description": "Open ID Connect scope",
                                     "password_required": True, "password_max_age": 0, "scheme": {}}),
                     "scope openid")
        return self

    def log(self):
        out = []
        for name in ("stdout.log", "glewlwyd.log"):
            p = os.path.join(self.dir, name)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out.append(f.read()[-1500:].decode("utf-8", "replace"))
        return " | ".join(out).replace("\n", " | ")

    def _expect(self, answer, what, status=200):
        if answer.status != status:
            raise RuntimeError("glewlwyd %s: %s (want %d)" % (what, answer, status))
        return answer

    def plugin_params(self, name, key_pem, pub_pem):
        return {"module": "oidc", "name": name, "display_name": name, "enabled": True, "parameters": {
            "iss": self.issuer(name), "jwt-type": "rsa", "jwt-key-size": "256",   # RS256
            "key": key_pem, "cert": pub_pem,
            "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
            "auth-type-code-enabled": True, "auth-type-refresh-enabled": True,
            "pkce-allowed": True, "pkce-method-plain-allowed": False, "pkce-required": True,
            "subject-type": "public", "name-claim": "mandatory", "email-claim": "mandatory",
            "claims": [
                {"name": "groups", "user-property": "groups", "type": "string", "mandatory": True},
                {"name": "preferred_username", "user-property": "username", "type": "string",
                 "mandatory": True},
            ]}}

    def add_plugin(self, name="oidc", key=None):
        key_pem, pub_pem = key or rsa_key_pair()
        self._expect(self.admin.post(self.api + "/mod/plugin/", self.plugin_params(name, key_pem, pub_pem)),
                     "plugin %s" % name)

    def rotate_key(self, name="oidc"):
        """A new signing key for the plugin (its JWK set then holds only the new one)."""
        key_pem, pub_pem = rsa_key_pair()
        self._expect(self.admin.put(self.api + "/mod/plugin/" + name, self.plugin_params(name, key_pem, pub_pem)),
                     "plugin %s new key" % name)
        # the running instance keeps its old key until it is reset
        self._expect(self.admin.put(self.api + "/mod/plugin/%s/reset" % name, {}), "plugin %s reset" % name)

    def add_user(self, username, password, name, email, groups=None):
        body = {"username": username, "password": password, "name": name, "email": email,
                "scope": ["openid"], "enabled": True}
        if groups is not None:
            body["groups"] = groups
        self._expect(self.admin.post(self.api + "/user/", body), "user %s" % username)

    def set_user(self, username, **fields):
        self._expect(self.admin.put(self.api + "/user/" + username, fields), "user %s update" % username)

    def add_client(self, client_id, secret, redirect_uri):
        self._expect(self.admin.post(self.api + "/client/", {
            "client_id": client_id, "name": client_id, "confidential": True, "client_secret": secret,
            "redirect_uri": [redirect_uri], "authorization_type": ["code", "refresh_token"],
            "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
            "scope": ["openid"], "enabled": True}), "client %s" % client_id)

    def sign_in(self, browser, auth_url, username, password, client_id):
        """The user's part at the provider, as login.html would do it: the authorization URL
        (→ login page), the login API, consent, then the authorization URL again with
        g_continue.  Returns the provider's final answer (302 to the redirect URI)."""
        a = browser.get(auth_url)
        if a.status != 302:
            raise RuntimeError("provider authorization: %s" % a)
        loc = a.header("Location")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        callback_url = q.get("callback_url", [auth_url])[0]
        self._expect(browser.post(self.api + "/auth/", {"username": username, "password": password}),
                     "user sign-in %s" % username)
        # consent; the list is space-separated
        self._expect(browser.put(self.api + "/auth/grant/" + client_id, {"scope": "openid"}), "consent")
        return browser.get(callback_url + "&g_continue")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "stdout", None):
            self.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)
