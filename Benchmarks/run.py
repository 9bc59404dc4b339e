#!/usr/bin/env python3
"""Runs every benchmark and prints a Markdown report (BENCHMARKS.md is its output).

  Benchmarks/run.sh            # builds release binaries, starts a throwaway PostgreSQL, installs Django in .venv-bench

Figures: medians of repeated runs; whole-process timings include process start-up.
"""
import json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build-static", "release")
SCHEMA = os.path.join(BIN, "schema")
WORKLOAD = [sys.executable, os.path.join(ROOT, "Benchmarks", "workload.py")]
PG = os.environ.get("SCHEMA_TEST_POSTGRES_URL")
DJANGO_PYTHON = os.path.join(ROOT, ".venv-bench", "bin", "python")
# SCHEMA_BENCH_ONLY=apply,starts runs only those sections (pipeline, starts, apply, django); all by default.
ONLY = set(filter(None, os.environ.get("SCHEMA_BENCH_ONLY", "").split(",")))
rows = []


def want(section):
    return not ONLY or section in ONLY


def run(cmd, env=None, cwd=None, check=True, timeout=None):
    """Runs `cmd` (raises subprocess.TimeoutExpired after `timeout` seconds); exits on failure when `check`."""
    result = subprocess.run(cmd, env={**os.environ, **(env or {})}, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result


def once(cmd, env=None, cwd=None, timeout=None):
    """Wall time of one successful run, in ms."""
    start = time.perf_counter()
    run(cmd, env, cwd, timeout=timeout)
    return (time.perf_counter() - start) * 1000


def timed(cmd, env=None, cwd=None, repeat=1, timeout=None):
    """Median wall time in ms; a run cut off by `timeout` (seconds) returns -timeout*1000 (a lower bound)."""
    try:
        return statistics.median([once(cmd, env, cwd, timeout) for _ in range(repeat)])
    except subprocess.TimeoutExpired:
        return -timeout * 1000


def timed_pair(first, second, env=None, repeat=21):
    """Median wall times in ms of two commands run alternately (first, second, first, ...), so that
    both see the same moments of a machine whose speed drifts; measured side by side in one run."""
    samples = ([], [])
    for _ in range(repeat):
        for index, cmd in enumerate((first, second)):
            samples[index].append(once(cmd, env))
    return statistics.median(samples[0]), statistics.median(samples[1])


def peak_kb(cmd, env=None):
    result = run(["/usr/bin/time", "-f", "%M"] + cmd, env)
    return int(result.stderr.strip().splitlines()[-1])


def record(name, value, unit, command, target=""):
    rows.append((name, value, unit, command, target))
    print(f"{name}: {'>' + format(-value, '.1f') if value < 0 else shown(value, unit)} {unit}", file=sys.stderr)


def shown(value, unit):
    """A ratio with two decimals: against a target of 1.5, 1.53 must not print as 1.5."""
    return format(value, ".2f" if unit == "×" else ".1f")


def database(kind, work, name):
    if kind == "sqlite":
        return f"file:{os.path.join(work, name + '.sqlite')}"
    admin = PG.rsplit("/", 1)[0]
    run(["psql", PG, "-q", "-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}"])
    url = f"{admin}/{name}"
    run(["psql", url, "-q", "-c", 'CREATE TABLE "Tenant" ("id" TEXT PRIMARY KEY); CREATE TABLE "User" ("id" TEXT PRIMARY KEY);'])
    return url


def approve_everything(root, env):
    """Scans `root` into the database of `env`, adds the admin `bench` and approves every change."""
    run([SCHEMA, "scan", "--root", root], env)
    run([SCHEMA, "admin", "add", "bench", "--root", root], env)
    run([SCHEMA, "approve", "all", "--as", "bench", "--root", root], env)


def client_command(kind, url):
    """The database's own command-line client for `url`, or None when it is not installed."""
    if kind == "sqlite":
        return ["sqlite3", url[len("file:"):]] if shutil.which("sqlite3") else None
    return ["psql", url, "-q", "-X"] if shutil.which("psql") else None


def floor_command(kind, url, script):
    """Runs `script` in one transaction through the database's client."""
    if kind == "sqlite":
        return ["sqlite3", url[len("file:"):], "BEGIN;", f".read {script}", "COMMIT;"]
    return ["psql", url, "-q", "-X", "-1", "-f", script]


def main():
    work = tempfile.mkdtemp(prefix="schema-bench-")
    w10k, w1k, w100 = os.path.join(work, "w10k"), os.path.join(work, "w1k"), os.path.join(work, "w100")
    run(WORKLOAD + ["generate", w10k, "--packages", "1000", "--entities", "10", "--fields", "8"])
    run(WORKLOAD + ["generate", w1k, "--packages", "100", "--entities", "10", "--fields", "8"])
    run(WORKLOAD + ["generate", w100, "--packages", "10", "--entities", "10", "--fields", "8"])

    # The pure pipeline, in-process, on 1,000 packages / 10,000 entities.
    if want("pipeline"):
        pipeline(w10k)
    if want("starts"):
        starts(work, w100, w1k, w10k)
    if want("apply"):
        applies(work, w1k)
    if want("django"):
        django(work, w1k)
    report(work)


def pipeline(w10k):
    bench = run([os.path.join(BIN, "schema-bench"), w10k, "5"]).stdout.splitlines()
    values = {line.split("\t")[0]: line.split("\t")[1] for line in bench if "\t" in line and not line.startswith("benchmark")}
    parse, validate = float(values["yams_parse_only"]), float(values["validate_and_checksum"])
    cmd = "schema-bench W10K 5"
    record("Yams parse only (the floor), 10,000 entities", parse, "ms", cmd)
    record("validate + checksum, 10,000 entities", validate, "ms", cmd, "≤ 1.5× Yams parse")
    record("validate / Yams parse", validate / parse, "×", cmd, "≤ 1.5")
    basic = float(values["yams_parse_basic_resolver"])
    record("Yams parse with Resolver.basic (what the loader composes with), 10,000 entities", basic, "ms", cmd)
    record("validate / Yams parse with Resolver.basic", validate / basic, "×", cmd)
    record("Prisma generation, 10,000 entities", float(values["prisma_generate"]), "ms", cmd)
    record("plan + SQL rendering, 10,000 entities", float(values["plan_and_render_sql_sqlite"]), "ms", cmd)
    record("peak memory, schema validate (whole process), 10,000 entities", peak_kb([SCHEMA, "validate", "--root", w10k]) / 1024, "MB",
           "/usr/bin/time -f %M schema validate --root W10K", "≤ 100 MB")

    # Validation on one core and on all of them: the same binary, pinned with taskset.
    if shutil.which("taskset"):
        cores = len(os.sched_getaffinity(0))
        one, every = timed_pair(["taskset", "-c", str(min(os.sched_getaffinity(0))), SCHEMA, "validate", "--root", w10k],
                                [SCHEMA, "validate", "--root", w10k], repeat=7)
        record("schema validate, 10,000 entities, pinned to one core (whole process)", one, "ms", "taskset -c 0 schema validate --root W10K")
        record(f"schema validate, 10,000 entities, all {cores} cores (whole process)", every, "ms", "schema validate --root W10K")
        record(f"validate speed-up, {cores} cores / one core", one / every, "×", "the two rows above, run alternately", "≥ 1.7 on 2 cores")



def starts(work, w100, w1k, w10k):
    # The whole container start when nothing changed (scripts/apply-schema-migrations.sh, as a
    # container runs it), beside the database's own client answering one query on the same
    # database: the floor of any start that asks the database anything.
    start = os.path.join(ROOT, "scripts", "apply-schema-migrations.sh")
    for kind in ["sqlite"] + (["postgres"] if PG else []):
        for label, size, root in [("100", 100, w100), ("1,000", 1000, w1k), ("10,000", 10000, w10k)]:
            url = database(kind, work, f"start_{kind}_{size}")
            env = {"DATABASE_URL": url}
            approve_everything(root, env)
            applied = once([SCHEMA, "apply", "--root", root], env)
            if size == 10000:
                record(f"apply 10,000 new tables ({kind}, one start)", applied, "ms", "schema apply --root W10K (after scan + approve all)")
            client = client_command(kind, url)
            if not client:
                continue
            table = "_schema_queue" if kind == "sqlite" else 'schema_registry."_schema_queue"'
            query = f"SELECT count(*) FROM {table} WHERE state = 'approved'"
            script_env = {**env, "SCHEMA_BIN": SCHEMA, "SCHEMA_ROOT": root}
            run([start, "true"], script_env)  # the first start after the apply finds the fragment current
            noop, floor = timed_pair([start, "true"], client + ([query] if kind == "sqlite" else ["-c", query]), script_env)
            target = "≤ 1.5× the floor" if size == 10000 else ""
            record(f"no-op container start, {label} applied entities ({kind}, whole script)", noop, "ms", "scripts/apply-schema-migrations.sh true", target)
            record(f"one query through {client[0]}, {label} applied entities ({kind}, the floor)", floor, "ms", f"{client[0]} DB \"{query}\"")
            record(f"no-op start / floor, {label} entities ({kind})", noop / floor, "×", "the two rows above, run alternately", "≤ 1.5" if size == 10000 else "")



def applies(work, w1k):
    # The registry, whole processes, 1,000 new tables.
    for kind in ["sqlite"] + (["postgres"] if PG else []):
        # Each attempt: a start on a fresh approved database, then the floor, the same SQL through
        # the database's own client in one transaction, on another fresh one (alternated, so
        # both see the same moments of a machine whose speed drifts; medians of 5).
        samples, floors, url = [], [], None
        script = os.path.join(work, f"plan_{kind}.sql")
        client = None
        for attempt in range(5):
            url = database(kind, work, f"bench_{kind}_{attempt}")
            env = {"DATABASE_URL": url}
            approve_everything(w1k, env)
            floor_url = database(kind, work, f"bench_{kind}_floor_{attempt}")
            approve_everything(w1k, {"DATABASE_URL": floor_url})
            if attempt == 0:
                with open(script, "w") as fh:
                    # The policy statements a start skips (tables without an ACL) are printed after this line; the rest is what it runs.
                    fh.write(run([SCHEMA, "plan", "--root", w1k], env).stdout.split("-- row-level security")[0])
            samples.append(timed([SCHEMA, "apply", "--root", w1k, "--no-generate"], env))
            client = client_command(kind, floor_url)
            if client:
                floors.append(timed(floor_command(kind, floor_url, script)))
        record(f"apply 1,000 new tables ({kind})", statistics.median(samples), "ms", "schema apply --root W1K (after scan + approve all)")
        if client:
            floor = statistics.median(floors)
            record(f"the same SQL through {client[0]} in one transaction ({kind}, the database's own cost)", floor, "ms",
                   f"{client[0]} on the SQL that schema plan prints")
            record(f"apply / the database's own cost, 1,000 new tables ({kind})", statistics.median(samples) / floor, "×",
                   "the two rows above", "≤ 1.5")
        env = {"DATABASE_URL": url}
        record(f"no-op apply with 1,000 applied entities ({kind}, whole process)", timed([SCHEMA, "apply", "--root", w1k], env, repeat=21), "ms",
               "schema apply --root W1K, nothing approved", "≤ 50 ms")
        if client:
            # On PostgreSQL the registry lives in its own schema.
            table = "_schema_queue" if kind == "sqlite" else 'schema_registry."_schema_queue"'
            query = f"SELECT count(*) FROM {table} WHERE state = 'approved'"
            record(f"one query through {client[0]} on the same database ({kind}, whole process: the floor of any no-op)",
                   timed(client + ([query] if kind == "sqlite" else ["-c", query]), repeat=21), "ms", f"{client[0]} DB \"{query}\"")
        record(f"scan, nothing changed, 1,000 entities ({kind})", timed([SCHEMA, "scan", "--root", w1k], env, repeat=5), "ms", "schema scan --root W1K")
        edited = os.path.join(work, f"edited_{kind}")
        shutil.copytree(w1k, edited)
        run(WORKLOAD + ["edit", edited, "--fraction", "0.1"])
        record(f"scan with 10% edited, 1,000 entities ({kind})", timed([SCHEMA, "scan", "--root", edited], env), "ms", "schema scan after workload.py edit --fraction 0.1")



def django(work, w1k):
    # The peer: Django, same 1,000 models in 100 apps, SQLite.
    django_timeout = float(os.environ.get("SCHEMA_BENCH_DJANGO_TIMEOUT", "10800"))
    if os.path.exists(DJANGO_PYTHON) and os.environ.get("SCHEMA_BENCH_SKIP_DJANGO") != "1":
        project = os.path.join(work, "django")
        run(WORKLOAD + ["django", w1k, project])
        version = run([DJANGO_PYTHON, "-c", "import django; print(django.get_version())"]).stdout.strip()
        record(f"Django {version} makemigrations, 1,000 models", timed([DJANGO_PYTHON, "manage.py", "makemigrations", "-v", "0"], cwd=project), "ms", "python manage.py makemigrations")
        migrate = timed([DJANGO_PYTHON, "manage.py", "migrate", "-v", "0"], cwd=project, timeout=django_timeout)
        record("Django migrate, 1,000 new tables (sqlite)", migrate, "ms", "python manage.py migrate")
        # A migrate cut off by the timeout left work behind, so a second run would not be a no-op.
        if migrate > 0:
            record("Django no-op migrate (sqlite, whole process)", timed([DJANGO_PYTHON, "manage.py", "migrate", "-v", "0"], cwd=project, repeat=5), "ms", "python manage.py migrate, nothing to do")



def report(work):
    lookup = {name: value for name, value, *_ in rows}
    if lookup.get("Django migrate, 1,000 new tables (sqlite)", 0) > 0 and "Django no-op migrate (sqlite, whole process)" in lookup \
            and "no-op apply with 1,000 applied entities (sqlite, whole process)" in lookup:
        record("Django no-op migrate / our no-op apply (sqlite)", lookup["Django no-op migrate (sqlite, whole process)"] / lookup["no-op apply with 1,000 applied entities (sqlite, whole process)"], "×", "ratio", "≥ 10×")
        record("Django migrate / our apply, 1,000 tables (sqlite)", lookup["Django migrate, 1,000 new tables (sqlite)"] / lookup["apply 1,000 new tables (sqlite)"], "×", "ratio", "≥ 3×")
    elif lookup.get("Django migrate, 1,000 new tables (sqlite)", 0) < 0 and "apply 1,000 new tables (sqlite)" in lookup:
        # Cut off by the timeout: the ratio is a lower bound (printed as "> N").
        record("Django migrate / our apply, 1,000 tables (sqlite)", lookup["Django migrate, 1,000 new tables (sqlite)"] / lookup["apply 1,000 new tables (sqlite)"], "×", "ratio", "≥ 3×")

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    print(f"Machine: {cpu}, {os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
          f"{platform.system()} {platform.release()}; Swift release build; SQLite via GRDB; PostgreSQL 15 local, fsync off.\n")
    print("| benchmark | result | target | command |\n|---|---|---|---|")
    for name, value, unit, command, target in rows:
        result = f"> {-value:.0f}" if value < 0 else shown(value, unit)
        print(f"| {name} | {result} {unit} | {target} | `{command}` |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
