"""pg — a private PostgreSQL cluster for the integration tests, and harness servers on it.

Stdlib only; installs nothing (scripts/deps.sh installs Debian's `postgresql`).  When the
PostgreSQL binaries are missing, Cluster.start() raises harness.CaseFailure saying so: the
tests that need PostgreSQL fail, they are never skipped.

A Cluster is initdb'd into a temporary directory (as the `postgres` user when running as
root: initdb refuses root), listens only on a Unix socket in that directory, trusts local
connections except for the role PASSWORD_ROLE, which needs its password (scram), so a test
can show what a wrong password does.  url(db) is the `--db` value for a database in it.

PgServer is harness.Server with `--db` pointing at a database of the cluster: one database
per server directory, created on first use, so Server(workdir=other.dir) reopens the same
store exactly as the SQLite harness does.

Run as a program, `pg.py suite TEST_FILE` runs one of the harness-based test files with
every harness.Server replaced by a PgServer, on the cluster named by MAJOROPS_PG_HOST and
MAJOROPS_PG_PORT (test_postgres.py starts it): the core suites, unchanged, on PostgreSQL.
"""

import glob
import hashlib
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PASSWORD_ROLE = "mo_pw"
PASSWORD = "Right-Secret-4711"
START_TIMEOUT = 30


def bindir():
    """The newest /usr/lib/postgresql/N/bin holding initdb and pg_ctl, or None."""
    found = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        m = re.search(r"/postgresql/(\d+)/bin$", d)
        if m and os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            found.append((int(m.group(1)), d))
    return max(found)[1] if found else None


def _as_postgres(args):
    """initdb and pg_ctl refuse root: run them as the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + args
    return args


class Cluster:
    def __init__(self, host=None, port=None):
        self.bin = None
        self.dir = host
        self.port = port
        self.own = host is None
        self.running = False

    # -- lifecycle
    def start(self):
        self.bin = bindir()
        if self.bin is None:
            raise harness.CaseFailure(
                "PostgreSQL binaries are missing (no /usr/lib/postgresql/*/bin/initdb): "
                "scripts/deps.sh installs Debian's postgresql")
        if not self.own:
            self.running = True
            return self
        self.dir = tempfile.mkdtemp(prefix="mopg-")
        self.port = harness.free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = os.path.join(self.dir, "data")
        p = subprocess.run(_as_postgres([os.path.join(self.bin, "initdb"), "-D", data, "-A", "trust", "-U",
                                         "postgres", "-E", "UTF8", "--no-locale", "--no-sync"]),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            raise harness.CaseFailure("initdb failed: %s" % harness.short(p.stdout, 600))
        hba = os.path.join(data, "pg_hba.conf")
        with open(hba) as f:
            rest = f.read()
        with open(hba, "w") as f:
            f.write("local all %s scram-sha-256\n" % PASSWORD_ROLE + rest)
        self.pg_start()
        self.psql("CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s'" % (PASSWORD_ROLE, PASSWORD))
        return self

    def pg_start(self):
        opts = "-k %s -p %d -c listen_addresses='' -c max_connections=300" % (self.dir, self.port)
        p = subprocess.run(_as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(self.dir, "data"),
                                         "-l", os.path.join(self.dir, "log"), "-w", "-t", str(START_TIMEOUT),
                                         "-o", opts, "start"]),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=START_TIMEOUT + 10)
        if p.returncode != 0:
            raise harness.CaseFailure("pg_ctl start failed: %s; log: %s"
                                      % (harness.short(p.stdout, 300), harness.short(self.log_tail(), 600)))
        self.running = True

    def pg_stop(self, mode="fast"):
        p = subprocess.run(_as_postgres([os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(self.dir, "data"),
                                         "-m", mode, "-w", "-t", str(START_TIMEOUT), "stop"]),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=START_TIMEOUT + 10)
        self.running = False
        if p.returncode != 0:
            raise harness.CaseFailure("pg_ctl stop failed: %s" % harness.short(p.stdout, 300))

    def log_tail(self, n=2000):
        try:
            with open(os.path.join(self.dir, "log"), "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        if self.own and self.dir:
            if self.running:
                try:
                    self.pg_stop("immediate")
                except (harness.CaseFailure, subprocess.SubprocessError, OSError):
                    pass
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- databases
    def url(self, db, user="postgres", password=None):
        cred = urllib.parse.quote(user, safe="")
        if password is not None:
            cred += ":" + urllib.parse.quote(password, safe="")
        return "postgresql://%s@/%s?host=%s&port=%d" % (cred, db, urllib.parse.quote(self.dir, safe="/"),
                                                       self.port)

    def psql(self, sql, db="postgres"):
        """Runs SQL with psql as the superuser; returns stdout (unaligned, tuples only)."""
        psql = os.path.join(self.bin, "psql")
        if not os.path.exists(psql):
            psql = shutil.which("psql") or "psql"
        p = subprocess.run([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-p",
                            str(self.port), "-U", "postgres", "-d", db, "-c", sql],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise harness.CaseFailure("psql %r failed: %s" % (harness.short(sql, 80),
                                                              harness.short(p.stderr, 400)))
        return p.stdout.decode("utf-8", "replace").strip()

    def create_db(self, name):
        if self.psql("SELECT 1 FROM pg_database WHERE datname = '%s'" % name) != "1":
            self.psql('CREATE DATABASE "%s"' % name)
        return self.url(name)

    def fresh_db(self, prefix="t"):
        name = "%s_%d_%d" % (prefix, os.getpid(), int(time.time() * 1000000) % 10 ** 12)
        return self.create_db(name)


CLUSTER = None  # the cluster PgServer uses


class PgServer(harness.Server):
    """harness.Server on a database of CLUSTER (one per server directory)."""

    def __init__(self, workdir=None, extra_args=(), env=None, db=None, auth=False):
        super().__init__(workdir, extra_args, env, auth=auth)
        if db is not None:
            self.db = db
        else:
            name = "it_" + hashlib.sha1(self.dir.encode()).hexdigest()[:16]
            self.db = CLUSTER.create_db(name)

    def readyz(self):
        """(status, worker header) of /readyz."""
        r = self.request("GET", "/readyz", timeout=15.0, track=False)
        return r.status, r.header("X-MajorOps-Worker")


def run_suite(test_file):
    """Runs a harness-based test file with every Server on PostgreSQL (never returns)."""
    global CLUSTER
    host = os.environ.get("MAJOROPS_PG_HOST")
    port = os.environ.get("MAJOROPS_PG_PORT")
    if not host or not port:
        print("FAIL - %s on PostgreSQL: MAJOROPS_PG_HOST/MAJOROPS_PG_PORT not set" % test_file)
        print("0 passed, 1 failed")
        sys.exit(1)
    CLUSTER = Cluster(host, int(port)).start()
    harness.Server = PgServer
    path = test_file if os.path.isabs(test_file) else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                    test_file)
    sys.argv = [path]
    runpy.run_path(path, run_name="__main__")
    sys.exit(0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "suite":
        run_suite(sys.argv[2])
    print("usage: pg.py suite TEST_FILE", file=sys.stderr)
    sys.exit(2)
