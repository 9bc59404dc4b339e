#!/usr/bin/env python3
"""How close a package made from a public Prisma app comes to the tables Prisma Migrate made.

For each APP directory (a checkout with prisma/schema.prisma and prisma/migrations/*/migration.sql,
PostgreSQL): one database gets the app's own migration SQL (Prisma's output, the oracle); another
gets `schema import-prisma` of its schema as one package, then validate, scan, approve and apply.
The two catalogs are compared table by table (columns: type, NOT NULL, default; primary keys,
indexes, foreign keys, checks), and the differences are counted by kind, with examples.

    scripts/with-postgres.sh python3 Benchmarks/prisma-apps.py /path/to/app [...]

Uses $SCHEMA_BIN when set, else .build/debug/schema.
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = next((p for p in [os.environ.get("SCHEMA_BIN", ""), os.path.join(ROOT, ".build", "debug", "schema")] if os.access(p, os.X_OK)), None)
URL = os.environ.get("SCHEMA_TEST_POSTGRES_URL", "")


def psql(database, sql=None, file=None):
    owner, host, port = re.match(r"postgres://([^@]+)@([^:/]+):(\d+)/", URL).groups()
    command = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", owner, "-d", database]
    command += ["-f", file] if file else ["-c", sql]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"psql {file or sql[:80]}: {result.stderr.strip()}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def schema(arguments, url):
    return subprocess.run([SCHEMA, *arguments], env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)


def catalog(database):
    """Table → {kind → set of descriptions}, for the public schema without Prisma's history."""
    tables = collections.defaultdict(lambda: collections.defaultdict(set))
    for table, column, kind, notnull, default in psql(database, """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, COALESCE(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'"""):
        tables[table]["column"].add(column)
        tables[table]["type"].add(f"{column} {kind}")
        tables[table]["not null"].add(f"{column} {notnull}")
        bare = re.sub(r"::[a-z ]+(\[\])?", "", default)
        tables[table]["default"].add(f"{column} {bare}")
    for table, definition in psql(database, """
            SELECT c.relname, regexp_replace(pg_get_indexdef(i.indexrelid), ' ON public\\.', ' ON ')
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname <> '_prisma_migrations'"""):
        tables[table]["index"].add(definition)
    for table, kind, name, definition in psql(database, """
            SELECT c.relname, k.contype::text, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname <> '_prisma_migrations' AND k.contype IN ('p', 'f', 'c', 'u')"""):
        label = {"p": "primary key", "f": "foreign key", "c": "check", "u": "unique constraint"}[kind]
        tables[table][label].add(f"{name} {definition}")
    # Enum types with their values in order, under a pseudo-table of their own.
    for name, labels in psql(database, """
            SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
            FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = 'public' GROUP BY t.typname"""):
        tables["(enum types)"]["enum"].add(f"{name} ({labels})")
    return tables


def base_schema(text):
    """The app's schema without its models and enums: the host that keeps only the datasource."""
    kept, depth, keep = [], 0, True
    for line in text.splitlines():
        stripped = line.strip()
        if depth == 0 and re.match(r"^(model|enum|view|type)\s+\w+\s*\{", stripped):
            keep = False
        if keep:
            kept.append(line)
        # Braces in strings (`@default("{}")`) and comments do not open blocks.
        code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line).split("//")[0]
        depth += code.count("{") - code.count("}")
        if depth == 0:
            keep = True
    return "\n".join(kept) + "\n"


def compare(app, index):
    name = os.path.basename(os.path.normpath(app))
    # One file, or a schema folder (prisma/ with schema.prisma beside models/*.prisma, or prisma/schema/).
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(os.path.join(app, "prisma")) for f in names
                   if f.endswith(".prisma") and "migrations" not in os.path.relpath(d, app).split(os.sep))
    prisma = os.path.join(app, "prisma") if len(files) > 1 else os.path.join(app, "prisma", "schema.prisma")
    migrations = sorted(os.path.join(app, "prisma", "migrations", d, "migration.sql") for d in os.listdir(os.path.join(app, "prisma", "migrations"))
                        if os.path.exists(os.path.join(app, "prisma", "migrations", d, "migration.sql")))
    oracle, ours = f"oracle_{index}", f"ours_{index}"
    for database in (oracle, ours):
        psql("postgres", f"CREATE DATABASE {database}")
    for migration in migrations:
        psql(oracle, file=migration)
    root = tempfile.mkdtemp(prefix="prisma-app-")
    folder = os.path.join(root, "packages", "app", "seed", "schema")
    os.makedirs(folder)
    os.makedirs(os.path.join(root, "prisma"))
    text = ""
    for file in files if len(files) > 1 else [prisma]:
        with open(file) as handle:
            text += handle.read() + "\n"
    with open(os.path.join(root, "prisma", "schema.prisma"), "w") as handle:
        handle.write(base_schema(text))
    imported = schema(["import-prisma", prisma], URL)
    limits = [line for line in imported.stderr.splitlines() if line.strip().startswith(("-", "•")) or ": " in line]
    with open(os.path.join(folder, "entities.yaml"), "w") as handle:
        handle.write(imported.stdout)
    with open(os.path.join(root, "packages", "app", "seed", "metadata.json"), "w") as handle:
        json.dump({"packageId": "app"}, handle)
    # Extensions are the host's to install (a package's index may need pg_trgm's classes): the
    # same ones the app's migrations create.
    for migration in migrations:
        with open(migration) as handle:
            for extension in re.findall(r"CREATE EXTENSION IF NOT EXISTS \"?([\w-]+)\"?", handle.read()):
                psql(ours, f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
    url = URL.rsplit("/", 1)[0] + "/" + ours
    steps = [["validate"], ["scan"], ["admin", "add", "alice"], ["approve", "all", "--as", "alice", "--allow-data-loss", "--allow-rewrite"], ["apply", "--no-generate", "--no-rls"]]
    for arguments in steps:
        result = schema([*arguments, "--root", root], url)
        if result.returncode != 0:
            print(f"{name}: schema {arguments[0]} failed ({result.returncode}): {(result.stdout + result.stderr)[-1500:]}")
            return None
    expected, actual = catalog(oracle), catalog(ours)
    differences = collections.Counter()
    examples = collections.defaultdict(list)
    for table in sorted(set(expected) | set(actual)):
        if table not in actual or table not in expected:
            kind = "table missing" if table not in actual else "table extra"
            differences[kind] += 1
            examples[kind].append(table)
            continue
        for kind in sorted(set(expected[table]) | set(actual[table])):
            if kind == "column" and expected[table][kind] != actual[table][kind]:
                pass
            for item in sorted(expected[table][kind] - actual[table][kind]):
                differences[f"{kind}: Prisma's, not ours"] += 1
                examples[f"{kind}: Prisma's, not ours"].append(f"{table}: {item}")
            for item in sorted(actual[table][kind] - expected[table][kind]):
                differences[f"{kind}: ours, not Prisma's"] += 1
                examples[f"{kind}: ours, not Prisma's"].append(f"{table}: {item}")
    columns = sum(len(t["column"]) for t in expected.values())
    enums = len(expected.get("(enum types)", {}).get("enum", ()))
    print(f"\n{name}: {len(migrations)} migrations, {len(expected) - (1 if enums else 0)} tables, {columns} columns, {enums} enum types; import-prisma listed {len(limits)} thing(s) it cannot carry")
    kinds = collections.Counter(re.sub(r"^.*?: (@\w+(\.\w+)?|type \w+(\[\])?|@@\w+).*$", r"\1", line.strip().replace("not carried over: ", "")) for line in limits)
    print("  not carried, by kind: " + ", ".join(f"{kind} {count}" for kind, count in kinds.most_common(12)))
    if not differences:
        print("  no difference")
    shown = int(os.environ.get("PRISMA_APPS_EXAMPLES", "1"))
    for kind, count in sorted(differences.items()):
        print(f"  {count:4d}  {kind}   e.g. " + "\n                ".join(example[:170] for example in examples[kind][:shown]))
    return differences


def main():
    if not URL or not SCHEMA:
        sys.exit("run through scripts/with-postgres.sh with the schema binary built")
    total = collections.Counter()
    for index, app in enumerate(sys.argv[1:]):
        found = compare(app, index)
        if found is not None:
            total.update(found)
    print("\nall apps:", dict(sorted(total.items())) or "no difference")


if __name__ == "__main__":
    main()
