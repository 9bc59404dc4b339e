#!/usr/bin/env python3
"""What an apply does to a live application's writes (issue 10), per change class.

  Benchmarks/online.sh        # builds the release binary, starts a throwaway PostgreSQL, runs this

For each change class: a copy of a database whose table "Account" holds 2,000,000 rows; pgbench
runs single-row UPDATE and INSERT transactions at a fixed rate (400/s, 8 clients); after a warm-up
`schema apply` runs the approved change. Reported: apply time, write latency (p99 and max, as the
client sees it: pgbench's elapsed time plus its schedule lag) before and during the apply, and the
seconds during the apply in which no write completed. Two more runs hold a reader's transaction
open on the table while the apply starts, with the default lock timeout and with a 10-minute one
(what happens without bounded lock waits).

Environment: SCHEMA_ONLINE_ROWS (default 2000000), SCHEMA_ONLINE_RATE (400), SCHEMA_ONLINE_CLIENTS (8),
SCHEMA_ONLINE_ONLY (comma-separated class names to run; ROLLED_OUT classes run with rolling deploys;
"backfill" runs the backfill against its floor; "key" widens an autoincrement key and the column of
another table that references it, through expand and `complete`, each measured; "join" moves a
join table of as many pairs under a new name, against the copy in one transaction it replaced;
"partitioned" runs four classes on the table partitioned by an operator into four hash partitions).
"""
import glob, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, ".build-static", "release", "schema")
PG = os.environ["SCHEMA_TEST_POSTGRES_URL"]
ADMIN_URL = PG.rsplit("/", 1)[0]
ROWS = int(os.environ.get("SCHEMA_ONLINE_ROWS", "2000000"))
RATE = int(os.environ.get("SCHEMA_ONLINE_RATE", "400"))
CLIENTS = int(os.environ.get("SCHEMA_ONLINE_CLIENTS", "8"))
WARMUP = 10  # seconds of load before the apply starts
TAIL = 5     # seconds of load after it ends

BASE_FIELDS = {
    "id": "{ type: string, primary: true }",
    "balance": "{ type: int, default: 0 }",
    "ownerId": "{ type: string, nullable: true }",
    "customer": "{ type: string, nullable: true }",
    "note": "{ type: string, nullable: true }",
    "score": "{ type: int, nullable: true }",
    "level": "{ type: int, nullable: true }",
    "region": "{ type: string, nullable: true }",
}


def yaml(fields, indexes=(), relations=()):
    lines = ["entities:", "  - name: Owner", "    fields:", "      id: { type: string, primary: true }",
             "  - name: Account", "    fields:"]
    lines += [f"      {name}: {spec}" for name, spec in fields.items()]
    if indexes:
        lines.append("    indexes:")
        for fields_, unique in indexes:
            lines.append(f"      - fields: [{', '.join(fields_)}]")
            if unique:
                lines.append("        unique: true")
    if relations:
        lines.append("    relations:")
        lines += [f"      - {relation}" for relation in relations]
    return "\n".join(lines) + "\n"


def changed(**edits):
    fields = dict(BASE_FIELDS)
    for name, spec in edits.items():
        if spec is None:
            fields.pop(name)
        else:
            fields[name] = spec
    return fields


# name → (YAML after the change, extra approve flags)
CLASSES = {
    "add nullable column": (yaml(changed(tag="{ type: string, nullable: true }")), []),
    "add NOT NULL column with default": (yaml(changed(flags="{ type: int, default: 0 }")), []),
    "add index": (yaml(BASE_FIELDS, indexes=[(["region"], False)]), []),
    "add unique index (two fields)": (yaml(BASE_FIELDS, indexes=[(["ownerId", "id"], True)]), []),
    "add foreign key": (yaml(BASE_FIELDS, relations=["{ name: owner, type: belongsTo, entity: Owner, field: ownerId }"]), []),
    "int → bigint (acknowledged rewrite)": (yaml(changed(balance="{ type: bigint, default: 0 }")), ["--allow-rewrite"]),
    "tighten maxLength (acknowledged rewrite)": (yaml(changed(customer="{ type: string, nullable: true, maxLength: 100 }")), ["--allow-rewrite"]),
    "rename column": (yaml({**{k: v for k, v in BASE_FIELDS.items() if k != "note"}, "memo": "{ type: string, nullable: true, renamedFrom: note }"}), []),
    "nullable → required (10% NULLs backfilled)": (yaml(changed(score="{ type: int, default: 0 }")), []),
    "nullable → required (no NULLs)": (yaml(changed(level="{ type: int }")), []),
}
READER = "add nullable column"
# The start's part (the expand) of changes rolling deploys split: the rename keeps both columns
# equal with a trigger and copies the values; the widening fills a shadow column (no rewrite).
ROLLED_OUT = {
    "rename column: rolled out (expand)": CLASSES["rename column"],
    "int → bigint: rolled out (expand with a shadow column)": (yaml(changed(balance="{ type: bigint, default: 0 }")), []),
    "int → bigint beside a renamed column: rolled out (one trigger)": (
        yaml({**{k: v for k, v in BASE_FIELDS.items() if k not in ("note", "balance")}, "balance": "{ type: bigint, default: 0 }",
              "memo": "{ type: string, nullable: true, renamedFrom: note }"}), []),
}

# The same table partitioned by an operator (four hash partitions of the key), rows kept: the
# changes a start makes on it go partition by partition (docs/online-changes.md).
PARTITIONED_PREPARE = (
    'ALTER TABLE "Account" RENAME TO "Account_plain"',
    'ALTER TABLE "Account_plain" RENAME CONSTRAINT "Account_pkey" TO "Account_plain_pkey"',
    'CREATE TABLE "Account" (LIKE "Account_plain" INCLUDING ALL) PARTITION BY HASH ("id")',
    *[f'CREATE TABLE "Account_p{n}" PARTITION OF "Account" FOR VALUES WITH (MODULUS 4, REMAINDER {n})' for n in range(4)],
    'INSERT INTO "Account" SELECT * FROM "Account_plain"',
    'DROP TABLE "Account_plain"',
    "VACUUM ANALYZE",
)
PARTITIONED = {f"partitioned (4 hash partitions): {name}": CLASSES[name] for name in (
    "add index", "add unique index (two fields)", "add foreign key", "nullable → required (10% NULLs backfilled)")}

UPDATE_SQL = """\\set id random(1, {rows})
UPDATE "Account" SET "balance" = "balance" + 1 WHERE "id" = 'a' || :id;
"""
INSERT_SQL = """\\set o random(1, 100)
INSERT INTO "Account" ("id", "balance", "ownerId", "score", "level", "customer") VALUES (gen_random_uuid()::text, 1, 'o' || :o, :o, :o, 'c' || :o);
"""


def run(cmd, env=None, check=True, timeout=None):
    result = subprocess.run(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def psql(url, *sql):
    args = ["psql", url, "-q", "-v", "ON_ERROR_STOP=1"]
    for statement in sql:
        args += ["-c", statement]
    return run(args)


def workspace(work, text, deploys="recreate"):
    root = os.path.join(work, "ws")
    os.makedirs(os.path.join(root, "packages/bench/seed/schema"), exist_ok=True)
    # Each change's whole work runs at the start: with rolling deploys (the default) the part the
    # old version does not tolerate (NOT NULL, tighter checks) runs at `schema complete` instead,
    # with the same statements and the same locks. ROLLED_OUT measures the expand of rolling deploys.
    with open(os.path.join(root, "schema.config.json"), "w") as fh:
        fh.write(f'{{"deploys": "{deploys}"}}')
    with open(os.path.join(root, "packages/bench/seed/metadata.json"), "w") as fh:
        fh.write('{"packageId": "bench"}')
    with open(os.path.join(root, "packages/bench/seed/schema/entities.yaml"), "w") as fh:
        fh.write(text)
    return root


def schema(url, root, *args, check=True):
    return run([SCHEMA, *args, "--root", root, "--database-url", url], check=check)


def make_template(work):
    """The database every class starts from: the base entities applied by `schema`, then the rows."""
    psql(PG, "DROP DATABASE IF EXISTS online_template", "CREATE DATABASE online_template")
    url = f"{ADMIN_URL}/online_template"
    root = workspace(work, yaml(BASE_FIELDS))
    schema(url, root, "admin", "add", "bench")
    schema(url, root, "scan")
    schema(url, root, "approve", "all", "--as", "bench")
    schema(url, root, "apply", "--no-generate")
    started = time.time()
    psql(url,
         """INSERT INTO "Owner" ("id") SELECT 'o' || g FROM generate_series(1, 100) AS g""",
         f"""INSERT INTO "Account" ("id", "balance", "ownerId", "customer", "note", "score", "level", "region")
             SELECT 'a' || g, g % 1000, 'o' || (g % 100 + 1), md5(g::text), 'note ' || g,
                    CASE WHEN g % 10 = 0 THEN NULL ELSE g END, g % 7, 'r' || (g % 50)
             FROM generate_series(1, {ROWS}) AS g""",
         "VACUUM ANALYZE")
    print(f"template: {ROWS} rows in {time.time() - started:.0f} s", file=sys.stderr)


def pgbench_logs(prefix):
    """(completion epoch seconds, latency ms as the client sees it, ms spent in the database) of every
    transaction pgbench logged. With a fixed rate, a client stuck on one transaction starts the next
    ones late: their schedule lag is part of what the application would see."""
    samples = []
    for path in glob.glob(prefix + "*"):
        with open(path) as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 6:
                    continue
                elapsed_us, epoch, epoch_us = int(parts[2]), int(parts[4]), int(parts[5])
                lag_us = int(parts[6]) if len(parts) > 6 else 0
                samples.append((epoch + epoch_us / 1e6, (elapsed_us + lag_us) / 1000, elapsed_us / 1000))
    return samples


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_load(work, url, update_sql, insert_sql, seconds):
    """pgbench at the fixed rate, half `update_sql` and half `insert_sql`, logging every transaction;
    returns the process and the log prefix (stop it with SIGINT, then read ``pgbench_logs``)."""
    scripts = os.path.join(work, "scripts")
    os.makedirs(scripts, exist_ok=True)
    with open(os.path.join(scripts, "update.sql"), "w") as fh:
        fh.write(update_sql)
    with open(os.path.join(scripts, "insert.sql"), "w") as fh:
        fh.write(insert_sql)
    logs = os.path.join(work, "logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    prefix = os.path.join(logs, "tx")
    bench = subprocess.Popen(["pgbench", url, "-n", "-c", str(CLIENTS), "-j", "2", "-R", str(RATE), "-T", str(seconds),
                              "-f", os.path.join(scripts, "update.sql") + "@1", "-f", os.path.join(scripts, "insert.sql") + "@1",
                              "-l", "--log-prefix", prefix],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return bench, prefix


def stop_load(bench, prefix):
    """Stops pgbench (SIGINT: it flushes its logs) and returns what it printed and its samples."""
    bench.send_signal(2)
    try:
        printed = "".join(bench.communicate(timeout=30))
    except subprocess.TimeoutExpired:
        bench.kill()
        printed = ""
    return printed, pgbench_logs(prefix)


def writes_per_second(samples):
    """Epoch second → transactions completed in it."""
    per_second = {}
    for done, _, _ in samples:
        per_second[int(done)] = per_second.get(int(done), 0) + 1
    return per_second


def seconds_without_writes(samples, begun, ended):
    """The whole seconds from `begun` to `ended` in which no transaction completed."""
    per_second = writes_per_second(samples)
    return sum(1 for second in range(int(begun), int(ended) + 1) if per_second.get(second, 0) == 0)


def measure(work, name, after, flags, reader_seconds=0, lock_timeout_ms=None, prepare=(), deploys="recreate"):
    db = "online_" + str(abs(hash(name)) % 10**8)
    psql(PG, f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db} TEMPLATE online_template")
    url = f"{ADMIN_URL}/{db}"
    if prepare:
        psql(url, *prepare)
    root = workspace(work, after, deploys)
    schema(url, root, "scan")
    approve = schema(url, root, "approve", "all", "--as", "bench", *flags, check=False)
    if approve.returncode != 0:
        sys.exit(f"{name}: approve failed\n{approve.stdout}\n{approve.stderr}")
    plan = schema(url, root, "plan").stdout

    # 200 s is an upper bound; pgbench is stopped once the apply and the tail are done.
    bench, prefix = start_load(work, url, UPDATE_SQL.format(rows=ROWS), INSERT_SQL, 200)
    load_start = time.time()
    reader = None
    if reader_seconds:
        # A report holding its transaction open on the table: ACCESS SHARE until it ends.
        time.sleep(WARMUP - 2)
        reader = subprocess.Popen(["psql", url, "-q", "-c",
                                   f"""BEGIN; SELECT count(*) FROM "Account" WHERE "id" = 'a1'; SELECT pg_sleep({reader_seconds}); COMMIT;"""],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(2)
    else:
        time.sleep(WARMUP)
    apply_start = time.time()
    env_args = ["--lock-timeout", str(lock_timeout_ms)] if lock_timeout_ms else []
    applied = schema(url, root, "apply", "--no-generate", *env_args, check=False)
    apply_end = time.time()
    if reader:
        reader.wait()
    time.sleep(TAIL)
    _, samples = stop_load(bench, prefix)
    before = [latency for done, latency, _ in samples if load_start + 2 <= done < apply_start]
    during = [latency for done, latency, _ in samples if apply_start <= done <= apply_end + 0.5]
    stall = max((elapsed for done, _, elapsed in samples if apply_start <= done <= apply_end + 0.5), default=float("nan"))
    zero = seconds_without_writes(samples, apply_start, apply_end)
    if os.environ.get("SCHEMA_ONLINE_DEBUG"):
        per_second = writes_per_second(samples)
        window = range(int(apply_start) - 2, int(apply_end) + 3)
        print(f"{name}: apply {apply_start:.3f} → {apply_end:.3f}; writes per second: "
              + ", ".join(f"{second}:{per_second.get(second, 0)}" for second in window), file=sys.stderr)
    outcome = "applied" if applied.returncode == 0 else f"exit {applied.returncode}"
    waiting = run(["psql", url, "-At", "-c", """SELECT count(*) FROM schema_registry."_schema_queue" WHERE state = 'approved'"""]).stdout.strip()
    if waiting != "0":
        outcome += f", {waiting} item(s) still approved"
    psql(PG, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    staged = "online steps" if "-- online steps" in plan else "one transaction"
    return {
        "name": name, "apply_ms": (apply_end - apply_start) * 1000, "outcome": outcome, "staged": staged,
        "p99_before": percentile(before, 0.99), "max_before": max(before, default=float("nan")),
        "p99_during": percentile(during, 0.99), "max_during": max(during, default=float("nan")),
        "zero": zero, "stall": stall, "writes_during": len(during), "apply_output": applied.stderr[-600:],
    }


# Every row's `note` emptied, so that the backfill and its floor write all of them.
EMPTIED = ("""UPDATE "Account" SET "note" = NULL""", "VACUUM ANALYZE")
BACKFILL = yaml(changed(note="{ type: string, default: \"x\" }"))


def backfill_floor():
    """One UPDATE of the same rows on a copy prepared the same way, with nothing else running."""
    db = "online_floor"
    psql(PG, f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db} TEMPLATE online_template")
    url = f"{ADMIN_URL}/{db}"
    psql(url, *EMPTIED)
    started = time.time()
    psql(url, """UPDATE "Account" SET "note" = 'x' WHERE "note" IS NULL""")
    took = time.time() - started
    psql(PG, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    return took


KEY_BEFORE = """entities:
  - name: Event
    fields:
      id: { type: int, primary: true, generated: true }
      name: { type: string }
      hits: { type: int, default: 0 }
    relations:
      - { name: tags, type: hasMany, entity: Tag }
  - name: Tag
    fields:
      id: { type: int, primary: true, generated: true }
      eventId: { type: int, index: true }
    relations:
      - { name: event, type: belongsTo, entity: Event, field: eventId, onDelete: Cascade }
"""
KEY_AFTER = KEY_BEFORE.replace("id: { type: int, primary: true, generated: true }\n      name", "id: { type: bigint, primary: true, generated: true }\n      name") \
    .replace("eventId: { type: int", "eventId: { type: bigint")
KEY_UPDATE_SQL = """\\set id random(1, {rows})
UPDATE "Event" SET "hits" = "hits" + 1 WHERE "id" = :id;
"""
KEY_INSERT_SQL = """WITH "event" AS (INSERT INTO "Event" ("name") VALUES ('new') RETURNING "id") INSERT INTO "Tag" ("eventId") SELECT "id" FROM "event";
"""


def key_widening(work, deploys):
    """The key of a table with ROWS rows widened with the column of another table that references
    it: rolled out, the expand (`apply`) and the contract (`complete`) each measured under the load;
    applied whole (`recreate`, `--allow-rewrite`), the one `apply`."""
    db = "online_key"
    psql(PG, f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}")
    url = f"{ADMIN_URL}/{db}"
    root = workspace(work, KEY_BEFORE, deploys)
    for args in (["admin", "add", "bench"], ["scan"], ["approve", "all", "--as", "bench"], ["apply", "--no-generate"]):
        schema(url, root, *args)
    started = time.time()
    psql(url, f"""WITH "events" AS (INSERT INTO "Event" ("name") SELECT 'e' || g FROM generate_series(1, {ROWS}) AS g RETURNING "id")
                  INSERT INTO "Tag" ("eventId") SELECT "id" FROM "events" """, "VACUUM ANALYZE")
    print(f"key: {ROWS} events and tags in {time.time() - started:.0f} s", file=sys.stderr)
    files = run(["psql", url, "-At", "-c", """SELECT pg_relation_filenode('"Event"') || ' ' || pg_relation_filenode('"Tag"')"""]).stdout.strip()
    root = workspace(work, KEY_AFTER, deploys)
    schema(url, root, "scan")
    schema(url, root, "approve", "all", "--as", "bench", *(["--allow-rewrite"] if deploys == "recreate" else []))
    bench, prefix = start_load(work, url, KEY_UPDATE_SQL.format(rows=ROWS), KEY_INSERT_SQL, 600)
    load_start = time.time()
    time.sleep(WARMUP)
    windows = []
    parts = [("rolled out: expand (`apply`)", ["apply", "--no-generate"]), ("rolled out: contract (`complete`)", ["complete", "--all", "--as", "bench", "--no-generate"])]
    if deploys == "recreate":
        parts = [("applied whole (`--allow-rewrite`)", ["apply", "--no-generate"])]
    for label, args in parts:
        begun = time.time()
        outcome = schema(url, root, *args, check=False)
        windows.append((label, begun, time.time(), outcome))
        time.sleep(TAIL)
    printed, samples = stop_load(bench, prefix)
    before = [latency for done, latency, _ in samples if load_start + 2 <= done < windows[0][1]]
    after_files = run(["psql", url, "-At", "-c", """SELECT pg_relation_filenode('"Event"') || ' ' || pg_relation_filenode('"Tag"')"""]).stdout.strip()
    types = run(["psql", url, "-At", "-c", """SELECT string_agg(data_type, ',' ORDER BY table_name) FROM information_schema.columns
                                              WHERE (table_name, column_name) IN (('Event', 'id'), ('Tag', 'eventId'))"""]).stdout.strip()
    failed = re.findall(r"number of failed transactions: (\d+)", printed)
    for label, begun, ended, outcome in windows:
        during = [latency for done, latency, _ in samples if begun <= done <= ended + 0.5]
        zero = seconds_without_writes(samples, begun, ended)
        result = "done" if outcome.returncode == 0 else f"exit {outcome.returncode}: {outcome.stderr[-300:]}"
        print(f"| {label} | {ended - begun:.1f} s | {percentile(before, 0.99):.1f} → {percentile(during, 0.99):.1f} ms | "
              f"{max(during, default=float('nan')):.0f} ms | {zero} | {result} |")
    print(f"|  | Event.id, Tag.eventId: {types}; table files {'unchanged' if files == after_files else 'rewritten'}"
          f"; failed transactions: {', '.join(failed) if failed else 'none reported'} | | | | |")
    psql(PG, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


JOIN_BEFORE = """entities:
  - name: Post
    fields:
      id: { type: string, primary: true }
    relations:
      - { name: tags, type: manyToMany, entity: Tag }
  - name: Tag
    fields:
      id: { type: int, primary: true }
    relations:
      - { name: posts, type: manyToMany, entity: Post }
"""
# The relation named, its pairs moved to `_Tagging` (same sides, so the floor can copy them as they are).
JOIN_AFTER = JOIN_BEFORE.replace("entity: Tag }", "entity: Tag, relationName: Tagging, renamedFrom: PostToTag }").replace(
    "entity: Post }", "entity: Post, relationName: Tagging }")
# The running version deletes a seeded pair or adds a pair of a tag the seed does not use.
JOIN_DELETE_SQL = """\\set id random(1, {rows})
DELETE FROM "_PostToTag" WHERE "A" = 'p' || :id AND "B" = :id % 1000 + 1;
"""
JOIN_INSERT_SQL = """\\set id random(1, {rows})
\\set t random(1001, 2000)
INSERT INTO "_PostToTag" ("A", "B") VALUES ('p' || :id, :t);
"""
# What a move did before it ran online: the copy in one transaction, the old table locked against writes.
JOIN_FLOOR = ("""BEGIN; LOCK TABLE "_PostToTag" IN EXCLUSIVE MODE; CREATE TABLE "_Tagging" (LIKE "_PostToTag" INCLUDING ALL);
                 INSERT INTO "_Tagging" SELECT * FROM "_PostToTag"; COMMIT;""")


def join_move(work):
    """A join table of ROWS pairs moved under a new name (rolling deploys: the running version keeps
    writing the old name) while pgbench deletes and adds pairs through it: the start (`apply`: the
    online copy, then the old name a view) and `complete`, each measured; and the floor the move
    had before, the copy in one transaction under EXCLUSIVE, on a copy of the same database."""
    psql(PG, "DROP DATABASE IF EXISTS online_join", "CREATE DATABASE online_join")
    url = f"{ADMIN_URL}/online_join"
    root = workspace(work, JOIN_BEFORE, "rolling")
    for args in (["admin", "add", "bench"], ["scan"], ["approve", "all", "--as", "bench"], ["apply", "--no-generate"]):
        schema(url, root, *args)
    started = time.time()
    psql(url, f"""INSERT INTO "Post" ("id") SELECT 'p' || g FROM generate_series(1, {ROWS}) AS g""",
         """INSERT INTO "Tag" ("id") SELECT g FROM generate_series(1, 2000) AS g""",
         f"""INSERT INTO "_PostToTag" ("A", "B") SELECT 'p' || g, g % 1000 + 1 FROM generate_series(1, {ROWS}) AS g""", "VACUUM ANALYZE")
    print(f"join: {ROWS} pairs in {time.time() - started:.0f} s", file=sys.stderr)
    psql(PG, "DROP DATABASE IF EXISTS online_join_floor", "CREATE DATABASE online_join_floor TEMPLATE online_join")
    floor_url = f"{ADMIN_URL}/online_join_floor"
    root = workspace(work, JOIN_AFTER, "rolling")
    schema(url, root, "scan")
    schema(url, root, "approve", "all", "--as", "bench")
    rows = []
    for label, target, args in [("floor: the copy in one transaction under EXCLUSIVE (the move before)", floor_url, None),
                                ("the move: apply (online copy, old name a view)", url, ["apply", "--no-generate"]),
                                ("the move: complete (the view dropped)", url, ["complete", "--all", "--as", "bench", "--no-generate"])]:
        bench, prefix = start_load(work, target, JOIN_DELETE_SQL.format(rows=ROWS), JOIN_INSERT_SQL.format(rows=ROWS), 600)
        load_start = time.time()
        time.sleep(WARMUP)
        begun = time.time()
        if args is None:
            outcome = run(["psql", target, "-q", "-v", "ON_ERROR_STOP=1", "-c", JOIN_FLOOR], check=False)
        else:
            outcome = schema(target, root, *args, check=False)
        ended = time.time()
        time.sleep(TAIL)
        printed, samples = stop_load(bench, prefix)
        before = [latency for done, latency, _ in samples if load_start + 2 <= done < begun]
        during = [latency for done, latency, _ in samples if begun <= done <= ended + 0.5]
        failed = re.findall(r"number of failed transactions: (\d+)", printed)
        result = "done" if outcome.returncode == 0 else f"exit {outcome.returncode}: {outcome.stderr[-300:]}"
        rows.append(f"| {label} | {ended - begun:.1f} s | {percentile(before, 0.99):.1f} → {percentile(during, 0.99):.1f} ms | "
                    f"{max(during, default=float('nan')):.0f} ms | {seconds_without_writes(samples, begun, ended)} | "
                    f"{result}; failed transactions: {', '.join(failed) if failed else 'none reported'} |")
    pairs = run(["psql", url, "-At", "-c", """SELECT (SELECT count(*) FROM "_Tagging") || ' pairs in _Tagging; '
                                             || (SELECT count(*) FROM pg_class WHERE relname = '_PostToTag') || ' relation named _PostToTag'"""]).stdout.strip()
    print(f"\n{ROWS:,} pairs; pgbench -R {RATE} -c {CLIENTS}: the running version deletes a pair or adds one, half each, through `_PostToTag`.\n")
    print("| how | time | write p99 before → during | write max during | seconds with no write | outcome |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    print(f"|  | after complete: {pairs} | | | | |")
    psql(PG, "DROP DATABASE IF EXISTS online_join WITH (FORCE)", "DROP DATABASE IF EXISTS online_join_floor WITH (FORCE)")


def main():
    with tempfile.TemporaryDirectory() as work:
        only = [name.strip() for name in os.environ.get("SCHEMA_ONLINE_ONLY", "").split(",") if name.strip()]
        if only == ["join"]:
            join_move(work)
            return
        if only == ["key"]:
            print(f"\n{ROWS:,} events and {ROWS:,} tags; pgbench -R {RATE} -c {CLIENTS}: an UPDATE of an event and an INSERT of an event with its tag, half each.\n")
            print("| how | time | write p99 before → during | write max during | seconds with no write | outcome |")
            print("|---|---|---|---|---|---|")
            key_widening(work, "rolling")
            key_widening(work, "recreate")
            return
        make_template(work)
        if "backfill" in only:
            # Side by side in one run: the floor, then the whole online change under load.
            floor = backfill_floor()
            result = measure(work, "backfill", BACKFILL, [], prepare=EMPTIED)
            took = result["apply_ms"] / 1000
            print(f"\n{ROWS:,} rows, every one NULL; pgbench -R {RATE} -c {CLIENTS} during the apply only.\n")
            print("| what | time | rows per second | write p99 before → during | write max during |")
            print("|---|---|---|---|---|")
            print(f"| one `UPDATE` of every row (floor, no other load) | {floor:.1f} s | {ROWS / floor:,.0f} | | |")
            print(f"| `nullable → required` with a default: backfill in batches, second pass, validation, SET NOT NULL (whole apply) "
                  f"| {took:.1f} s | {ROWS / took:,.0f} | {result['p99_before']:.1f} → {result['p99_during']:.1f} ms | {result['max_during']:.0f} ms |")
            print(f"\nspeed of the online change relative to the floor: {floor / took:.0%} ({result['outcome']})")
            if result["outcome"] != "applied":
                print(f"\nbackfill: {result['apply_output']}", file=sys.stderr)
            return
        results = []
        for name, (after, flags) in CLASSES.items():
            if only and name not in only:
                continue
            print(f"… {name}", file=sys.stderr)
            results.append(measure(work, name, after, flags))
        for name, (after, flags) in ROLLED_OUT.items():
            if only and name not in only:
                continue
            print(f"… {name}", file=sys.stderr)
            results.append(measure(work, name, after, flags, deploys="rolling"))
        for name, (after, flags) in PARTITIONED.items():
            if only and name not in only and "partitioned" not in only:
                continue
            print(f"… {name}", file=sys.stderr)
            results.append(measure(work, name, after, flags, prepare=PARTITIONED_PREPARE))
        if not only or "long reader" in only:
            after, flags = CLASSES[READER]
            print("… long reader", file=sys.stderr)
            results.append(measure(work, "long reader (15 s), default lock timeout 200 ms", after, flags, reader_seconds=15))
            results.append(measure(work, "long reader (15 s), lock timeout 600 s (unbounded wait)", after, flags, reader_seconds=15, lock_timeout_ms=600000))
        print(f"\n{ROWS:,} rows; pgbench -R {RATE} -c {CLIENTS}: single-row UPDATE and INSERT, half each; apply started after {WARMUP} s of load.\n")
        print("| change | how it runs | apply | write p99 before → during | write max before → during | longest write in the database during | seconds with no write during the apply | outcome |")
        print("|---|---|---|---|---|---|---|---|")
        for r in results:
            duration = f"{r['apply_ms']:.0f} ms" if r["apply_ms"] < 1000 else f"{r['apply_ms'] / 1000:.1f} s"
            print(f"| {r['name']} | {r['staged']} | {duration} | {r['p99_before']:.1f} → {r['p99_during']:.1f} ms | "
                  f"{r['max_before']:.0f} → {r['max_during']:.0f} ms | {r['stall']:.0f} ms | {r['zero']} | {r['outcome']} |")
        for r in results:
            if r["outcome"] != "applied":
                print(f"\n{r['name']}: {r['apply_output']}", file=sys.stderr)


if __name__ == "__main__":
    main()
