#!/usr/bin/env python3
"""A rolling deploy under load, with two application versions, on a throwaway PostgreSQL.

The old version's client (the SQL its Prisma client issues: inserts and selects naming the old
columns) runs under pgbench, as the application's role, while `schema apply` applies the expand of
a change it does not tolerate (a dropped field, a field made required, a tighter maxLength, an enum
value removed, a unique index on an existing column, a renamed field, a dropped table, and an int
column widened to bigint through a shadow column in the same change as a rename of another field of
its table, with an index over both, and an autoincrement primary key widened to bigint with the
foreign-key column of another table that references it, and an entity renamed: the old name stays a
view until `complete`). Then the new version's
client runs beside it. Then one ends the rollout while the version that stays serves:
  complete: the old version stops, `schema complete` runs under the new version's load;
  rollback: the new version stops, `schema rollback` runs under the old version's load.
Each pgbench run must end without a failed transaction, every row written by either version must
be there at the end, and the table must be the new (complete) or old (rollback) snapshot with
drift clean. Then the same change again with SIGKILLs at random moments of the expand, the
complete and the rollback: the next run finishes, exactly once.

Run it through scripts/with-postgres.sh (test.sh does).
"""
import glob
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.environ.get("SCHEMA_BIN", os.path.join(ROOT, ".build", "debug", "schema"))
URL = os.environ.get("SCHEMA_TEST_POSTGRES_URL", "")

V1 = """entities:
  - name: Post
    fields:
      id: { type: string, primary: true }
      title: { type: string, maxLength: 200 }
      legacy: { type: string, default: "l" }
      subtitle: { type: string, nullable: true }
      status: { type: string, enum: [draft, live, gone] }
      slug: { type: string, nullable: true }
      summary: { type: string, default: "s" }
  - name: Tag
    fields:
      id: { type: string, primary: true }
      label: { type: string }
  - name: Stat
    fields:
      id: { type: string, primary: true }
      views: { type: int, default: 0, index: true }
      label: { type: string, default: "x" }
    indexes:
      - fields: [label, views]
  - name: Event
    fields:
      id: { type: int, primary: true, generated: true }
      name: { type: string }
    relations:
      - { name: hits, type: hasMany, entity: Hit }
  - name: Hit
    fields:
      id: { type: int, primary: true, generated: true }
      eventId: { type: int, index: true }
    relations:
      - { name: event, type: belongsTo, entity: Event, field: eventId, onDelete: Cascade }
  - name: Note
    fields:
      id: { type: int, primary: true, generated: true }
      text: { type: string }
"""
V2 = """entities:
  - name: Post
    fields:
      id: { type: string, primary: true }
      title: { type: string, maxLength: 80 }
      subtitle: { type: string, default: "none" }
      status: { type: string, enum: [draft, live] }
      slug: { type: string, nullable: true, unique: true }
      abstract: { type: string, default: "s", renamedFrom: summary }
  - name: Stat
    fields:
      id: { type: string, primary: true }
      views: { type: bigint, default: 0, index: true }
      title: { type: string, default: "x", renamedFrom: label }
    indexes:
      - fields: [title, views]
  - name: Event
    fields:
      id: { type: bigint, primary: true, generated: true }
      name: { type: string }
    relations:
      - { name: hits, type: hasMany, entity: Hit }
  - name: Hit
    fields:
      id: { type: int, primary: true, generated: true }
      eventId: { type: bigint, index: true }
    relations:
      - { name: event, type: belongsTo, entity: Event, field: eventId, onDelete: Cascade }
  - name: Memo
    renamedFrom: Note
    fields:
      id: { type: int, primary: true, generated: true }
      text: { type: string }
"""
# Each transaction writes one row with a unique key and reads rows of both kinds.
OLD = """\\set r random(1, 20000)
INSERT INTO "Post" ("id", "title", "legacy", "subtitle", "status", "slug", "summary") VALUES ('o-' || txid_current(), 'old title', 'kept', NULL, 'draft', 'o-' || txid_current(), 'old summary');
INSERT INTO "Tag" ("id", "label") VALUES ('t-' || txid_current(), 'old');
INSERT INTO "Stat" ("id", "views", "label") VALUES ('o-' || txid_current(), 1, 'old');
WITH "event" AS (INSERT INTO "Event" ("name") VALUES ('old') RETURNING "id") INSERT INTO "Hit" ("eventId") SELECT "id" FROM "event";
SELECT "Event"."id", "name", "Hit"."id" FROM "Event" JOIN "Hit" ON "Hit"."eventId" = "Event"."id" WHERE "Event"."id" = :r;
INSERT INTO "Note" ("text") VALUES ('old');
UPDATE "Note" SET "text" = "text" WHERE "id" = :r;
SELECT "id", "text" FROM "Note" WHERE "id" = :r;
SELECT "id", "title", "legacy", "subtitle", "status", "slug", "summary" FROM "Post" WHERE "id" = 'seed' || :r;
SELECT "id", "title", "legacy", "subtitle", "status", "slug", "summary" FROM "Post" ORDER BY "id" DESC LIMIT 5;
"""
NEW = """\\set r random(1, 20000)
INSERT INTO "Post" ("id", "title", "status", "slug", "abstract") VALUES ('n-' || txid_current(), 'new title', 'live', 'n-' || txid_current(), 'new abstract');
INSERT INTO "Stat" ("id", "views", "title") VALUES ('n-' || txid_current(), 2, 'new');
WITH "event" AS (INSERT INTO "Event" ("name") VALUES ('new') RETURNING "id") INSERT INTO "Hit" ("eventId") SELECT "id" FROM "event";
SELECT "Event"."id", "name", "Hit"."id" FROM "Event" JOIN "Hit" ON "Hit"."eventId" = "Event"."id" WHERE "Event"."id" = :r;
INSERT INTO "Memo" ("text") VALUES ('new');
SELECT "id", "text" FROM "Memo" WHERE "id" = :r;
SELECT "id", "views", "title" FROM "Stat" WHERE "id" = 'seed' || :r;
SELECT "id", "title", "subtitle", "status", "slug", "abstract" FROM "Post" WHERE "id" = 'seed' || :r;
SELECT "id", "title", "subtitle", "status", "slug", "abstract" FROM "Post" ORDER BY "id" DESC LIMIT 5;
"""
SEEDS = 20000


def fail(message):
    print(f"rollout-replay: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"rollout-replay: {message}", flush=True)


def pg_bin(name):
    found = shutil.which(name) or (sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [None])[-1]
    if not found:
        fail(f"{name} not found")
    return found


def endpoint():
    match = re.match(r"postgres://([^@]+)@([^:/]+):(\d+)/", URL)
    return match.groups()


def psql(database, sql, user=None):
    owner, host, port = endpoint()
    result = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", user or owner, "-d", database, "-c", sql],
                            capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"psql: {result.stderr.strip()}")
    return result.stdout.strip()


def schema(arguments, url, environment=None, check=True):
    result = subprocess.run([SCHEMA, *arguments], env={**os.environ, "DATABASE_URL": url, **(environment or {})}, capture_output=True, text=True)
    if check and result.returncode != 0:
        fail(f"schema {' '.join(arguments)}: {result.stdout}{result.stderr}")
    return result


class Load:
    """pgbench running one version's script as the application's role."""

    def __init__(self, name, script, database, seconds, folder):
        _, host, port = endpoint()
        path = os.path.join(folder, f"{name}.sql")
        with open(path, "w") as handle:
            handle.write(script)
        self.name = name
        self.process = subprocess.Popen([pg_bin("pgbench"), "-n", "-h", host, "-p", port, "-U", "app", "-c", "4", "-j", "2", "-R", "100",
                                         "-T", str(seconds), "-f", path, database],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def finish(self):
        output, _ = self.process.communicate(timeout=120)
        processed = re.search(r"number of transactions actually processed: (\d+)", output)
        failed = re.search(r"number of failed transactions: (\d+)", output)
        if self.process.returncode != 0 or "aborted" in output or not processed or (failed and failed.group(1) != "0"):
            fail(f"the {self.name} version's client failed (exit {self.process.returncode}):\n{output}")
        return int(processed.group(1))


def workspace(yaml):
    root = tempfile.mkdtemp(prefix="rollout-replay-")
    package = os.path.join(root, "packages", "blog", "seed", "schema")
    os.makedirs(package)
    write(root, yaml)
    return root


def write(root, yaml):
    with open(os.path.join(root, "packages", "blog", "seed", "schema", "entities.yaml"), "w") as handle:
        handle.write(yaml)


def columns(database, table):
    return psql(database, f"SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}'")


def prepared(database):
    """A database with V1 applied, seed rows, the application's role, and V2 scanned and approved."""
    url = URL.rsplit("/", 1)[0] + "/" + database
    psql("postgres", f"CREATE DATABASE {database}")
    root = workspace(V1)
    for arguments in (["scan"], ["admin", "add", "alice"], ["approve", "all", "--as", "alice"], ["apply", "--no-generate"]):
        schema([*arguments, "--root", root], url)
    psql(database, f"""INSERT INTO "Post" ("id", "title", "status") SELECT 'seed' || g, 'seeded', 'live' FROM generate_series(1, {SEEDS}) AS g""")
    psql(database, f"""INSERT INTO "Stat" ("id", "views") SELECT 'seed' || g, g FROM generate_series(1, {SEEDS}) AS g""")
    psql(database, f"""WITH "event" AS (INSERT INTO "Event" ("name") SELECT 'seed' FROM generate_series(1, {SEEDS}) RETURNING "id")
                       INSERT INTO "Hit" ("eventId") SELECT "id" FROM "event" """)
    psql(database, f"""INSERT INTO "Note" ("text") SELECT 'seed' FROM generate_series(1, {SEEDS})""")
    psql(database, "GRANT USAGE ON SCHEMA public TO app; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app; "
                   "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO app")
    write(root, V2)
    schema(["scan", "--root", root], url)
    schema(["approve", "all", "--as", "alice", "--allow-data-loss", "--allow-rewrite", "--root", root], url)
    return url, root


def under_load(end):
    database = f"rollout_{end}"
    url, root = prepared(database)
    folder = tempfile.mkdtemp(prefix="rollout-load-")
    stat_file = psql(database, """SELECT pg_relation_filenode('"Stat"')""")
    event_files = psql(database, """SELECT pg_relation_filenode('"Event"') || ' ' || pg_relation_filenode('"Hit"')""")
    old = Load("old", OLD, database, 14, folder)
    time.sleep(2)
    started = time.time()
    schema(["apply", "--no-generate", "--root", root], url)
    say(f"{end}: the expand applied in {time.time() - started:.1f} s under the old version's load")
    new = Load("new", NEW, database, 14, folder)
    if end == "complete":
        old_count = old.finish()  # the rollout is over: no old version runs
        started = time.time()
        schema(["complete", "--all", "--as", "alice", "--no-generate", "--root", root], url)
        say(f"complete: the contract ran in {time.time() - started:.1f} s under the new version's load")
        new_count = new.finish()
    else:
        new_count = new.finish()  # the new version is taken back
        started = time.time()
        schema(["rollback", "--all", "--as", "alice", "--no-generate", "--root", root], url)
        say(f"rollback: the way back ran in {time.time() - started:.1f} s under the old version's load")
        old_count = old.finish()
    written_old = int(psql(database, """SELECT count(*) FROM "Post" WHERE "id" LIKE 'o-%'"""))
    written_new = int(psql(database, """SELECT count(*) FROM "Post" WHERE "id" LIKE 'n-%'"""))
    if (written_old, written_new) != (old_count, new_count):
        fail(f"{end}: {written_old} old and {written_new} new rows, pgbench wrote {old_count} and {new_count}")
    if int(psql(database, """SELECT count(*) FROM "Post" WHERE "id" LIKE 'seed%'""")) != SEEDS:
        fail(f"{end}: seed rows lost")
    expected = "abstract,id,slug,status,subtitle,title" if end == "complete" else "id,legacy,slug,status,subtitle,summary,title"
    if columns(database, "Post") != expected:
        fail(f"{end}: Post has columns {columns(database, 'Post')}, expected {expected}")
    # The renamed field: what either version wrote is under the name of the version that stays.
    kept = "abstract" if end == "complete" else "summary"
    crossed = psql(database, f"""SELECT count(*) FROM "Post" WHERE ("id" LIKE 'o-%' AND "{kept}" IS DISTINCT FROM 'old summary')
                                 OR ("id" LIKE 'n-%' AND "{kept}" IS DISTINCT FROM 'new abstract') OR ("id" LIKE 'seed%' AND "{kept}" IS DISTINCT FROM 's')""")
    if crossed != "0":
        fail(f"{end}: {crossed} row(s) lost the renamed field's value")
    if psql(database, """SELECT count(*) FROM pg_trigger WHERE tgrelid = '"Post"'::regclass AND NOT tgisinternal""") != "0":
        fail(f"{end}: the trigger that kept the renamed columns equal is still there")
    # The widened field and the field renamed beside it: the types and names each end promises,
    # every value kept (what either version wrote under the name of the version that stays).
    views_type = psql(database, """SELECT data_type FROM information_schema.columns WHERE table_name = 'Stat' AND column_name = 'views'""")
    label = "title" if end == "complete" else "label"
    if views_type != ("bigint" if end == "complete" else "integer") or columns(database, "Stat") != f"id,{label},views":
        fail(f"{end}: Stat.views is {views_type}, columns {columns(database, 'Stat')}")
    lost = psql(database, f"""SELECT count(*) FROM "Stat" WHERE ("id" LIKE 'seed%' AND ("views" <> substr("id", 5)::bigint OR "{label}" <> 'x'))
                             OR ("id" LIKE 'o-%' AND ("views" <> 1 OR "{label}" <> 'old')) OR ("id" LIKE 'n-%' AND ("views" <> 2 OR "{label}" <> 'new'))""")
    if psql(database, """SELECT pg_relation_filenode('"Stat"')""") != stat_file:
        fail(f"{end}: Stat was rewritten (a new table file): the widening should have filled a shadow column instead")
    if psql(database, """SELECT count(*) FROM pg_trigger WHERE tgrelid = '"Stat"'::regclass AND NOT tgisinternal""") != "0":
        fail(f"{end}: the trigger that filled the shadow and kept the renamed columns equal is still there")
    stats = int(psql(database, 'SELECT count(*) FROM "Stat"'))
    if lost != "0" or stats != SEEDS + old_count + new_count:
        fail(f"{end}: Stat has {stats} rows ({SEEDS} seeds + {old_count} + {new_count} expected), {lost} with another value")
    # The widened key and the column that references it: the types each end promises, every row
    # and reference kept, the tables never rewritten, the key and the foreign key in place and valid.
    key_types = psql(database, """SELECT string_agg(data_type, ',' ORDER BY table_name) FROM information_schema.columns
                                  WHERE (table_name, column_name) IN (('Event', 'id'), ('Hit', 'eventId'))""")
    if key_types != ("bigint,bigint" if end == "complete" else "integer,integer"):
        fail(f"{end}: Event.id and Hit.eventId are {key_types}")
    if psql(database, """SELECT pg_relation_filenode('"Event"') || ' ' || pg_relation_filenode('"Hit"')""") != event_files:
        fail(f"{end}: Event or Hit was rewritten (a new table file): the key should have filled a shadow column instead")
    events = int(psql(database, 'SELECT count(*) FROM "Event"'))
    orphans = psql(database, """SELECT count(*) FROM "Event" WHERE NOT EXISTS (SELECT 1 FROM "Hit" WHERE "Hit"."eventId" = "Event"."id")""")
    if events != SEEDS + old_count + new_count or int(psql(database, 'SELECT count(*) FROM "Hit"')) != events or orphans != "0":
        fail(f"{end}: {events} events ({SEEDS} seeds + {old_count} + {new_count} expected), {orphans} without their hit")
    keys = psql(database, """SELECT string_agg(contype::text || ':' || conname || ':' || convalidated, ' ' ORDER BY conname) FROM pg_constraint
                             WHERE conrelid IN ('"Event"'::regclass, '"Hit"'::regclass) AND contype IN ('p', 'f')""")
    if keys != "p:Event_pkey:true f:Hit_eventId_fkey:true p:Hit_pkey:true":
        fail(f"{end}: the keys are {keys}")
    # The renamed entity: one table under the name of the version that stays, no view left, every
    # row either version wrote through its own name.
    kept_name = "Memo" if end == "complete" else "Note"
    relkinds = psql(database, """SELECT string_agg(relname || ':' || relkind::text, ' ' ORDER BY relname) FROM pg_class
                                 WHERE relname IN ('Note', 'Memo') AND relnamespace = 'public'::regnamespace""")
    if relkinds != f"{kept_name}:r":
        fail(f"{end}: Note/Memo are {relkinds}, expected only the table {kept_name}")
    notes = psql(database, f"""SELECT count(*) FILTER (WHERE "text" = 'seed') || ' ' || count(*) FILTER (WHERE "text" = 'old') || ' '
                               || count(*) FILTER (WHERE "text" = 'new') FROM "{kept_name}" """)
    if notes != f"{SEEDS} {old_count} {new_count}":
        fail(f"{end}: {kept_name} holds {notes} seed/old/new rows, expected {SEEDS} {old_count} {new_count}")
    tags = columns(database, "Tag")
    if (end == "complete") != (tags == ""):
        fail(f"{end}: the Tag table is {'still there' if tags else 'gone'}")
    if end == "rollback" and int(psql(database, """SELECT count(*) FROM "Tag" WHERE "id" LIKE 't-%'""")) != old_count:
        fail("rollback: the old version's tags were not all kept")
    drift = schema(["drift", "--root", root], url, check=False)
    if drift.returncode != 0:
        fail(f"{end}: drift afterwards: {drift.stdout}")
    say(f"{end}: 0 failed transactions of {old_count} (old version) and {new_count} (new version); every row kept; drift clean")
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)


def killed_until_done(arguments, url, root, what, slow):
    """Runs `schema ARGUMENTS`, killing it at random moments, until one run ends by itself."""
    kills = 0
    for attempt in range(12):
        process = subprocess.Popen([SCHEMA, *arguments, "--root", root], env={**os.environ, "DATABASE_URL": url, **slow},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(random.uniform(0.03, 0.6))
        if process.poll() is None and attempt < 6:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            continue
        output, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            fail(f"{what} after {kills} kill(s) exited {process.returncode}: {output}")
        return kills
    fail(f"{what} never finished")


def killed(end):
    database = f"rollout_killed_{end}"
    url, root = prepared(database)
    # Each statement and step is held a while, so that kills land inside the runs, not after them.
    slow = {"SCHEMA_FAULT_STEP_DELAY_MS": "300", "SCHEMA_FAULT_STATEMENT_DELAY_MS": "300", "SCHEMA_FAULT_AFTER_COMMIT_DELAY_MS": "300"}
    expand_kills = killed_until_done(["apply", "--no-generate"], url, root, "the expand", slow)
    end_kills = killed_until_done([end, "--all", "--as", "alice", "--no-generate"], url, root, end, slow)
    if expand_kills == 0 or end_kills == 0:
        fail(f"{end} with kills: no run was killed ({expand_kills}, {end_kills}): the test proved nothing")
    lines = psql(database, f"""SELECT action || ':' || count(*) FROM schema_registry."_schema_audit" WHERE action IN ('apply', '{end}') GROUP BY action ORDER BY action""")
    if lines.split() != sorted([f"apply:12", f"{end}:6"]):
        fail(f"{end} with kills: audit has {lines.split()} (6 creates and 6 expands applied once each, 6 {end} lines expected)")
    invalid = psql(database, "SELECT count(*) FROM pg_index WHERE NOT indisvalid")
    drift = schema(["drift", "--root", root], url, check=False)
    if invalid != "0" or drift.returncode != 0:
        fail(f"{end} with kills: {invalid} invalid index(es), drift: {drift.stdout}")
    again = schema([end, "--all", "--as", "alice", "--root", root], url, check=False)
    if again.returncode != 1 or "nothing to" not in again.stderr:
        fail(f"{end} ran again: {again.stdout}{again.stderr}")
    say(f"{end} with kills: {expand_kills} kill(s) of the expand and {end_kills} of the {end}; each applied exactly once, no invalid index, drift clean")
    shutil.rmtree(root, ignore_errors=True)


def main():
    if not URL:
        fail("run through scripts/with-postgres.sh (SCHEMA_TEST_POSTGRES_URL)")
    if not os.access(SCHEMA, os.X_OK):
        fail(f"{SCHEMA} is not built")
    psql("postgres", "CREATE ROLE app LOGIN NOSUPERUSER NOBYPASSRLS")
    for end in ("complete", "rollback"):
        under_load(end)
    for end in ("complete", "rollback"):
        killed(end)
    say("PASS: both versions kept working through expand, complete and rollback under load; killed runs finished exactly once")


if __name__ == "__main__":
    main()
