#!/usr/bin/env python3
"""Replays docker-compose.yml and the Dockerfile's application stage without a Docker engine, on a
throwaway PostgreSQL (run it through scripts/with-postgres.sh), and checks that the example
application answers with exactly the rows its ACL allows.

What is read from the files users copy, not restated here:
  - the db service's init scripts (its volumes into /docker-entrypoint-initdb.d), run with psql as
    the image runs them;
  - the Dockerfile's last stage: COPY lines (the image's /app), ENV, WORKDIR, ENTRYPOINT and CMD;
  - the registry-setup service's command and environment;
  - the app service's environment, entrypoint and command, with two app replicas started at once.
What is substituted, and why:
  - host `db:5432` -> the throwaway server; /app -> a temporary folder; `schema` -> the built binary;
  - `npx prisma migrate deploy` -> psql on each prisma/migrations/*/migration.sql plus the
    `_prisma_migrations` row Prisma writes (npm's registry is not reachable here);
  - `npx prisma generate ...` -> a check that the merged schema names the package models;
  - `pg` for Node: NODE_PATH from SCHEMA_NODE_PATH when `require('pg')` does not resolve.
Exits 0 when every check passes, 1 with the reason otherwise, 77 (skipped) without node or pg.
"""
import fcntl
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.environ.get("SCHEMA_BIN", os.path.join(ROOT, ".build", "debug", "schema"))


def fail(message):
    print(f"compose-replay: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"compose-replay: {message}", flush=True)


def server():
    url = os.environ.get("SCHEMA_TEST_POSTGRES_URL")
    if not url:
        fail("SCHEMA_TEST_POSTGRES_URL is not set; run through scripts/with-postgres.sh")
    match = re.match(r"postgres://[^@]*@([^:/]+):(\d+)/", url)
    if not match:
        fail(f"cannot read host and port from {url}")
    return match.group(1), match.group(2)


HOST, PORT = server()


def local(text, app):
    """A value from the compose file or Dockerfile, pointed at this machine."""
    text = text.replace("@db:5432/", f"@{HOST}:{PORT}/")
    return re.sub(r"(?<![\w.:/])/app\b", app, text)


def psql(database, user, *args, stdin=None):
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", PORT, "-U", user, "-d", database, *args]
    result = subprocess.run(command, input=stdin, text=True, capture_output=True)
    if result.returncode != 0:
        fail(f"psql {' '.join(args)} as {user}: {result.stderr.strip()}")
    return result.stdout


def node_environment():
    probe = subprocess.run(["node", "-e", "require('pg')"], capture_output=True)
    if probe.returncode == 0:
        return {}
    path = os.environ.get("SCHEMA_NODE_PATH")
    if path and subprocess.run(["node", "-e", "require('pg')"], capture_output=True, env={**os.environ, "NODE_PATH": path}).returncode == 0:
        return {"NODE_PATH": path}
    return None


def dockerfile_stage():
    """The last stage of the Dockerfile: its COPY lines (absolute destinations), ENV, ENTRYPOINT and CMD."""
    with open(os.path.join(ROOT, "Dockerfile")) as handle:
        text = re.sub(r"\\\n", " ", handle.read())
    stages = re.split(r"(?m)^FROM ", text)
    stage = {"copies": [], "env": {}, "entrypoint": [], "cmd": []}
    workdir = "/"
    for line in stages[-1].splitlines():
        line = line.strip()
        if line.startswith("WORKDIR "):
            workdir = os.path.join(workdir, line[8:].strip())
        elif line.startswith("COPY ") and "--from=" not in line:
            source, destination = shlex.split(line[5:])[-2:]
            absolute = os.path.join(workdir, destination) + ("/" if destination.endswith("/") else "")
            stage["copies"].append((source, absolute))
        elif line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                name, _, value = pair.partition("=")
                stage["env"][name] = value
        elif line.startswith("ENTRYPOINT "):
            stage["entrypoint"] = json.loads(line[11:])
        elif line.startswith("CMD "):
            stage["cmd"] = json.loads(line[4:])
    return stage


def build_image(stage, app):
    """The image's /app folder, by its COPY lines (the start script is run from scripts/)."""
    for source, destination in stage["copies"]:
        if not (destination == "/app" or destination.startswith("/app/")):
            continue
        source_path = os.path.join(ROOT, source)
        target = local(destination, app)
        if os.path.isdir(source_path):
            shutil.copytree(source_path, target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".schema", "node_modules", "generated-from-packages.prisma", "merged.prisma"))
        else:
            if destination.endswith("/"):
                target = os.path.join(target, os.path.basename(source))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy(source_path, target)


def bin_folder(work):
    """A PATH folder where `schema` is the built binary and `npx` the offline stand-in."""
    folder = os.path.join(work, "bin")
    os.makedirs(folder)
    os.symlink(SCHEMA, os.path.join(folder, "schema"))
    npx = os.path.join(folder, "npx")
    with open(npx, "w") as handle:
        handle.write(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(os.path.abspath(__file__))} --npx \"$@\"\n")
    os.chmod(npx, 0o755)
    return folder


def npx(arguments):
    """Stand-ins for the two Prisma commands the compose file runs, where npm is unreachable."""
    url = os.environ.get("DATABASE_URL", "")
    match = re.match(r"postgres://([^:@]+)(?::[^@]*)?@[^/]+/(\w+)", url)
    if arguments[:3] == ["prisma", "migrate", "deploy"]:
        if not match:
            fail(f"prisma migrate deploy: DATABASE_URL {url!r} is not a PostgreSQL URL")
        user, database = match.groups()
        # Prisma serializes concurrent deploys with a lock; replicas started together need one too.
        lock = open(os.path.join(tempfile.gettempdir(), f"compose-replay-migrate-{PORT}-{database}.lock"), "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = set(psql(database, user, "-At", "-c", 'SELECT "migration_name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL').split())
        for path in sorted(glob.glob("prisma/migrations/*/migration.sql")):
            name = os.path.basename(os.path.dirname(path))
            if name in done:
                continue
            with open(path, "rb") as handle:
                body = handle.read()
            psql(database, user, "-1", "-f", path)
            psql(database, user, "-c", "INSERT INTO \"_prisma_migrations\" (\"id\", \"checksum\", \"finished_at\", \"migration_name\", \"applied_steps_count\") "
                 f"VALUES ('{uuid.uuid4()}', '{hashlib.sha256(body).hexdigest()}', now(), '{name}', 1)")
            print(f"Applying migration `{name}`")
        return 0
    if arguments[:2] == ["prisma", "generate"]:
        schema = arguments[arguments.index("--schema") + 1] if "--schema" in arguments else "prisma/schema.prisma"
        with open(schema) as handle:
            text = handle.read()
        if "model BlogPost {" not in text:
            print(f"prisma generate (stand-in): {schema} has no package models", file=sys.stderr)
            return 1
        print(f"Generated Prisma Client (stand-in) from {schema}")
        return 0
    print(f"npx stand-in: unsupported command {arguments}", file=sys.stderr)
    return 1


def service_environment(service, app):
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: local(str(value), app) for name, value in environment.items()}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method, path, user=None, role=None, body=None):
    headers = {"content-type": "application/json"}
    if user:
        headers["x-user-id"] = user
    if role:
        headers["x-user-role"] = role
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for(port, process, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            return False
        try:
            if request(port, "GET", "/health")[0] == 200:
                return True
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    return False


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--npx":
        sys.exit(npx(sys.argv[2:]))
    if shutil.which("node") is None:
        say("SKIPPED: node is not installed")
        sys.exit(77)
    node = node_environment()
    if node is None:
        say("SKIPPED: Node cannot load `pg` (install node-pg, or set SCHEMA_NODE_PATH to a folder holding it)")
        sys.exit(77)
    if not os.access(SCHEMA, os.X_OK):
        fail(f"{SCHEMA} is not built")
    with open(os.path.join(ROOT, "docker-compose.yml")) as handle:
        compose = yaml.safe_load(handle)
    services = compose["services"]
    stage = dockerfile_stage()
    work = tempfile.mkdtemp(prefix="compose-replay-")
    app = os.path.join(work, "app")
    os.makedirs(app)
    build_image(stage, app)
    path = bin_folder(work) + os.pathsep + os.environ["PATH"]
    base = {**os.environ, **node, "PATH": path, **{name: local(value, app) for name, value in stage["env"].items()}}
    base.pop("DATABASE_URL", None)

    # 1. db: the init scripts, as the postgres image runs them (as its superuser, on its database).
    for volume in services["db"].get("volumes", []):
        source, target = volume.split(":")[:2]
        if target.startswith("/docker-entrypoint-initdb.d/") and source.endswith(".sql"):
            say(f"db: running {source}")
            psql("postgres", "postgres", "-f", os.path.join(ROOT, source))

    # 2. registry-setup: its command, with its environment.
    setup = services["registry-setup"]
    command = local(" ".join(setup["command"]) if isinstance(setup["command"], list) else setup["command"], app).replace("$$", "$")
    say("registry-setup: " + command)
    result = subprocess.run(["/bin/sh", "-c", command], env={**base, **service_environment(setup, app)}, cwd=app, text=True, capture_output=True)
    if result.returncode != 0:
        fail(f"registry-setup exited {result.returncode}: {result.stdout}{result.stderr}")

    # The admin's part, as the compose file's header says: scan, add an admin, approve, as the migrator.
    app_environment = service_environment(services["app"], app)
    migrator = {**base, "DATABASE_URL": app_environment["SCHEMA_DATABASE_URL"]}
    for arguments in (["scan"], ["admin", "add", "alice"], ["approve", "all", "--as", "alice"]):
        result = subprocess.run([SCHEMA, *arguments, "--root", app], env=migrator, text=True, capture_output=True)
        if result.returncode != 0:
            fail(f"schema {' '.join(arguments)}: {result.stdout}{result.stderr}")
        if "provider" in result.stderr and "sqlite" in result.stderr:
            fail(f"schema {' '.join(arguments)} warns about the base schema's provider: {result.stderr}")

    # 3. app: the replicas start at once (entrypoint + CMD), each on its own port.
    replicas = services["app"].get("deploy", {}).get("replicas", 1)
    entrypoint = [os.path.join(ROOT, "scripts", os.path.basename(stage["entrypoint"][0]))] + stage["entrypoint"][1:]
    processes = []
    for replica in range(replicas):
        port = free_port()
        environment = {**base, **app_environment, "PORT": str(port), "HOSTNAME": f"app-{replica + 1}"}
        log = open(os.path.join(work, f"app-{replica + 1}.log"), "w+")
        processes.append((port, subprocess.Popen(["bash", *entrypoint, *stage["cmd"]], env=environment, cwd=app, stdout=log, stderr=subprocess.STDOUT), log))
    try:
        for port, process, log in processes:
            if not wait_for(port, process):
                log.seek(0)
                fail(f"an app replica did not come up (exit {process.poll()}):\n{log.read()}")
        say(f"{replicas} app replica(s) up; checking what the application role may see")
        outputs = []
        for _, _, log in processes:
            log.seek(0)
            outputs.append(log.read())
        applied = sum(output.count("applied ") for output in outputs)
        if not any("applied " in output for output in outputs) or any("error" in output.lower() for output in outputs):
            fail("the starts did not apply cleanly:\n" + "\n---\n".join(outputs))
        items, applies = psql("app", "postgres", "-At", "-F", " ", "-c",
                              """SELECT (SELECT count(*) FROM schema_registry."_schema_queue" WHERE "state" = 'applied'),
                                        (SELECT count(*) FROM schema_registry."_schema_audit" WHERE "action" = 'apply')""").split()
        if not (int(items) == int(applies) == applied > 0):
            fail(f"{items} item(s) applied, {applies} apply line(s) in the audit log, {applied} reported by the replicas: not exactly once")
        say(f"the replicas' starts applied {applied} item(s) between them, each exactly once")

        # Host rows as the host's own code would write them (no row-level security on host tables).
        psql("app", "app", "-c", """INSERT INTO "Tenant" ("id", "name", "slug", "createdAt") VALUES ('t1', 'Acme', 'acme', 0);
            INSERT INTO "User" ("id", "email", "tenantId", "createdAt") VALUES ('u1', 'u1@acme.test', 't1', 0), ('u2', 'u2@acme.test', 't1', 0);""")
        port = processes[0][0]
        other = processes[-1][0]
        for user, post, status in (("u1", "p1", "draft"), ("u2", "p2", "draft"), ("u2", "p3", "published")):
            code, body = request(port, "POST", "/posts", user, "user", {"id": post, "slug": post, "title": f"post {post}", "status": status})
            if code != 201:
                fail(f"POST /posts as {user}: {code} {body}")
        code, body = request(port, "POST", "/posts", "u1", "public", {"id": "p4", "slug": "p4", "title": "anonymous", "status": "draft"})
        if code != 403:
            fail(f"a caller below `user` created a post (ACL create: [user]): {code} {body}")
        expected = {("u1", "user"): ["p1", "p3"], ("u2", "user"): ["p2", "p3"], (None, None): ["p3"], ("m1", "moderator"): ["p1", "p2", "p3"]}
        for (user, role), ids in expected.items():
            code, body = request(other, "GET", "/posts", user, role)
            seen = [row["id"] for row in body] if code == 200 else body
            if seen != ids:
                fail(f"GET /posts as {user or 'anonymous'} ({role or 'public'}) saw {seen}, the ACL allows {ids}")
            say(f"GET /posts as {user or 'anonymous'} ({role or 'public'}): {seen}")
        # The application's role cannot reach the registry or rewrite Prisma's history.
        denied = subprocess.run(["psql", "-X", "-h", HOST, "-p", PORT, "-U", "app", "-d", "app", "-c", 'SELECT count(*) FROM schema_registry."_schema_queue"'],
                                capture_output=True, text=True)
        if denied.returncode == 0:
            fail("the application role can read the registry")
        denied = subprocess.run(["psql", "-X", "-h", HOST, "-p", PORT, "-U", "app", "-d", "app", "-c", 'DELETE FROM "_prisma_migrations"'],
                                capture_output=True, text=True)
        if denied.returncode == 0:
            fail("the application role can rewrite _prisma_migrations")
        merged = os.path.join(app, "prisma", "merged.prisma")
        if not os.path.exists(merged):
            fail("no merged schema was written for prisma generate")
    finally:
        for _, process, log in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
    shutil.rmtree(work, ignore_errors=True)
    say("PASS: the compose file's steps start the example application, which answers with exactly the rows its ACL allows")


if __name__ == "__main__":
    main()
