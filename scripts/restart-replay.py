#!/usr/bin/env python3
"""Restarts the PostgreSQL server in the middle of a container start, at several moments of a
change with online steps, and freezes it there once (every server process stopped: the server
keeps its connections open and answers nothing, as a cut-off host or a failed-over primary does).
Checks that the start always ends promptly with "try again" (75) or success, and that the start
script's retry then finishes the change exactly once.

Run it through scripts/with-postgres.sh (it restarts that throwaway server, so it must have one of
its own: test.sh runs it apart from the test suites).
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.environ.get("SCHEMA_BIN", os.path.join(ROOT, ".build", "debug", "schema"))
START = os.path.join(ROOT, "scripts", "apply-schema-migrations.sh")
URL = os.environ.get("SCHEMA_TEST_POSTGRES_URL", "")
LOG = os.environ.get("SCHEMA_TEST_POSTGRES_LOG", "")

BEFORE = """entities:
  - name: Post
    fields:
      id: { type: string, primary: true }
      title: { type: string }
      slug: { type: string, nullable: true }
"""
AFTER = BEFORE.replace("slug: { type: string, nullable: true }",
                       "slug: { type: string, nullable: true, unique: true }\n      code: { type: string, nullable: true, index: true }")

# The moment of the start, the pause that holds it there, and what happens to the server then.
MOMENTS = [
    ("in the first transaction", "SCHEMA_FAULT_STATEMENT_DELAY_MS", "restart"),
    ("during an online step", "SCHEMA_FAULT_STEP_DELAY_MS", "restart"),
    ("after the commit, before the fragment", "SCHEMA_FAULT_AFTER_COMMIT_DELAY_MS", "restart"),
    ("during an online step, server frozen", "SCHEMA_FAULT_STEP_DELAY_MS", "freeze"),
]
# How long a start may take to end once the server stopped answering: the client asks a silent
# server after 5 s, and waits 10 s for that answer (PostgresAnswerWatch), plus the pause.
FROZEN_LIMIT = 25


def fail(message):
    print(f"restart-replay: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"restart-replay: {message}", flush=True)


def pg_bin(name):
    found = shutil.which(name) or (sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [None])[-1]
    if not found:
        fail(f"{name} not found")
    return found


def as_postgres(command):
    return (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + command


def psql(database, sql):
    match = re.match(r"postgres://([^@]+)@([^:/]+):(\d+)/", URL)
    user, host, port = match.groups()
    for attempt in range(50):
        result = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", user, "-d", database, "-c", sql],
                                capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.strip()
        if "starting up" in result.stderr or "shutting down" in result.stderr or "could not connect" in result.stderr:
            time.sleep(0.2)
            continue
        fail(f"psql: {result.stderr.strip()}")
    fail("the server did not come back")


def schema(arguments, url, environment=None, check=True):
    result = subprocess.run([SCHEMA, *arguments], env={**os.environ, "DATABASE_URL": url, **(environment or {})}, capture_output=True, text=True)
    if check and result.returncode != 0:
        fail(f"schema {' '.join(arguments)}: {result.stdout}{result.stderr}")
    return result


def restart_server():
    data = os.path.join(os.path.dirname(LOG), "db")
    # The new server must not inherit a pipe of ours (reading it would never end): it logs where it did.
    result = subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", data, "-l", LOG, "-m", "fast", "-w", "-t", "60", "restart"]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=90)
    if result.returncode != 0:
        fail(f"pg_ctl restart exited {result.returncode} (see {LOG})")


def server_processes():
    """The postmaster first (so that it starts nothing new while the others stop), then its children."""
    data = os.path.join(os.path.dirname(LOG), "db")
    with open(os.path.join(data, "postmaster.pid")) as handle:
        postmaster = int(handle.readline().strip())
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster, *map(int, children)]


def signal_server(processes, number):
    for pid in processes:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            pass


def moment(name, variable, action, database):
    url = URL.rsplit("/", 1)[0] + "/" + database
    psql("postgres", f"CREATE DATABASE {database}")
    root = tempfile.mkdtemp(prefix="restart-replay-")
    package = os.path.join(root, "packages", "blog", "seed", "schema")
    os.makedirs(package)
    with open(os.path.join(package, "entities.yaml"), "w") as handle:
        handle.write(BEFORE)
    # The start builds the unique index itself (with rolling deploys, `schema complete` would).
    with open(os.path.join(root, "schema.config.json"), "w") as handle:
        handle.write('{"deploys": "recreate"}')
    for arguments in (["scan"], ["admin", "add", "alice"], ["approve", "all", "--as", "alice"], ["apply", "--no-generate"]):
        say(f"{name}: schema {arguments[0]}")
        schema([*arguments, "--root", root], url)
    psql(database, """INSERT INTO "Post" ("id", "title", "slug") SELECT 'p' || g, 't', 's' || g FROM generate_series(1, 20000) AS g""")
    with open(os.path.join(package, "entities.yaml"), "w") as handle:
        handle.write(AFTER)
    for arguments in (["scan"], ["approve", "all", "--as", "alice"]):
        schema([*arguments, "--root", root], url)

    apply = subprocess.Popen([SCHEMA, "apply", "--root", root], env={**os.environ, "DATABASE_URL": url, variable: "4000"},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Hold on until the start is at the moment: the pause begins right after it.
    time.sleep(1.5 if variable != "SCHEMA_FAULT_AFTER_COMMIT_DELAY_MS" else 2.5)
    if apply.poll() is not None:
        fail(f"{name}: the start ended before the restart: {apply.stdout.read()}")
    restarted = time.time()
    frozen = []
    if action == "restart":
        say(f"{name}: restarting the server")
        restart_server()
        say(f"{name}: restarted")
    else:
        frozen = server_processes()
        say(f"{name}: stopping all {len(frozen)} server processes (SIGSTOP)")
        signal_server(frozen, signal.SIGSTOP)
    limit = 15 if action == "restart" else FROZEN_LIMIT
    try:
        output, _ = apply.communicate(timeout=limit + 20)
    except subprocess.TimeoutExpired:
        apply.kill()
        signal_server(frozen, signal.SIGCONT)
        fail(f"{name}: the start hung after the server {'restarted' if action == 'restart' else 'stopped answering'}")
    took = time.time() - restarted
    signal_server(frozen, signal.SIGCONT)
    if apply.returncode not in (0, 75) or (frozen and apply.returncode != 75):
        fail(f"{name}: the start exited {apply.returncode}, not 75 (try again){'' if frozen else ' or 0'}: {output}")
    if took > limit:
        fail(f"{name}: the start took {took:.1f} s to end after the server {action}")
    say(f"{name}: the start ended {took:.1f} s after the server {action} with {apply.returncode}")

    # The start script, as the orchestrator runs it again: its retry finishes the change.
    marker = os.path.join(root, "started")
    script = subprocess.run(["bash", START, "touch", marker], capture_output=True, text=True,
                            env={**os.environ, "DATABASE_URL": url, "SCHEMA_ROOT": root, "SCHEMA_BIN": SCHEMA, "SCHEMA_APPLY_RETRY_DELAY": "1"})
    if script.returncode != 0 or not os.path.exists(marker):
        fail(f"{name}: the next start did not finish: {script.stdout}{script.stderr}")
    applied = psql(database, """SELECT count(*) FROM schema_registry."_schema_audit" WHERE "action" = 'apply'""")
    valid = psql(database, """SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                              WHERE c.relname IN ('Post_slug_key', 'Post_code_idx') AND i.indisvalid""")
    invalid = psql(database, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")
    if applied != "2" or valid != "2" or invalid != "0":
        fail(f"{name}: {applied} apply line(s) (2 expected: the create and the change, once each), {valid} valid index(es) of 2, {invalid} invalid")
    drift = schema(["drift", "--root", root], url, check=False)
    if drift.returncode != 0:
        fail(f"{name}: drift after the retry: {drift.stdout}")
    rows = psql(database, """SELECT count(*) FROM "Post" """)
    if rows != "20000":
        fail(f"{name}: {rows} rows, 20000 expected")
    say(f"{name}: the next start finished the change exactly once; drift clean, every row kept")
    shutil.rmtree(root, ignore_errors=True)


def main():
    if not URL or not LOG:
        fail("run through scripts/with-postgres.sh (SCHEMA_TEST_POSTGRES_URL and _LOG)")
    if not os.access(SCHEMA, os.X_OK):
        fail(f"{SCHEMA} is not built")
    for index, (name, variable, action) in enumerate(MOMENTS):
        moment(name, variable, action, f"restart_{index}")
    say("PASS: a server restart at each moment, and a frozen server, end the start promptly; the retry finishes it exactly once")


if __name__ == "__main__":
    main()
