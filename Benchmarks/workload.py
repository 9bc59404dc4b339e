#!/usr/bin/env python3
"""Deterministic synthetic workloads for the benchmarks.

  workload.py generate OUT --packages P --entities E --fields F [--seed S]
  workload.py edit OUT --fraction 0.1 [--seed S]      # add field / change type / add index / drop entity
  workload.py django OUT DJANGO_DIR                   # the same entities as Django models, one app per package

Entities relate to host models (Tenant, User), to earlier entities of their package and to
entities of earlier packages; they carry indexes, enums and ACLs.
"""
import argparse, json, os, random, re, shutil

TYPES = ["string", "int", "bigint", "float", "boolean", "json", "datetime"]


def entity_name(p, e):
    return f"P{p:04d}E{e:03d}"


def build(packages, entities, fields, seed):
    rng = random.Random(seed)
    model = {}
    for p in range(packages):
        ents = []
        for e in range(entities):
            name = entity_name(p, e)
            fs = [("id", {"type": "cuid", "primary": True, "generated": True}),
                  ("tenantId", {"type": "string", "required": True, "index": True})]
            for f in range(max(0, fields - 2)):
                t = rng.choice(TYPES)
                spec = {"type": t}
                if rng.random() < 0.3:
                    spec["nullable"] = True
                if t == "string" and rng.random() < 0.3:
                    spec["maxLength"] = rng.choice([40, 80, 200])
                if t == "string" and rng.random() < 0.1:
                    spec["enum"] = ["draft", "live", "archived"]
                    spec["default"] = "draft"
                    spec.pop("maxLength", None)
                if t == "int" and rng.random() < 0.3:
                    spec["default"] = 0
                fs.append((f"f{f}", spec))
            relations = [{"name": "tenant", "type": "belongsTo", "entity": "Tenant", "field": "tenantId", "onDelete": "Cascade"}]
            target = None
            if e > 0 and rng.random() < 0.5:
                target = entity_name(p, rng.randrange(e))
            elif p > 0 and rng.random() < 0.3:
                target = entity_name(rng.randrange(p), rng.randrange(entities))
            if target:
                fs.append(("parentId", {"type": "string", "nullable": True}))
                relations.append({"name": "parent", "type": "belongsTo", "entity": target, "field": "parentId", "onDelete": "SetNull"})
            indexes = [{"fields": ["tenantId", "f0"]}] if fields > 2 else []
            acl = {"create": ["user"], "read": ["public"], "update": ["admin"], "delete": ["admin"]}
            ents.append({"name": name, "fields": fs, "indexes": indexes, "relations": relations, "acl": acl})
        model[f"pkg{p:04d}"] = ents
    return model


def yaml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(yaml_value(x) for x in v) + "]"
    return json.dumps(v)


def write(out, model):
    if os.path.exists(os.path.join(out, "packages")):
        shutil.rmtree(os.path.join(out, "packages"))
    os.makedirs(os.path.join(out, "prisma"), exist_ok=True)
    with open(os.path.join(out, "prisma", "schema.prisma"), "w") as fh:
        fh.write('datasource db {\n  provider = "sqlite"\n}\n\nmodel Tenant {\n  id String @id\n}\n\nmodel User {\n  id String @id\n}\n')
    for pkg, ents in model.items():
        seed = os.path.join(out, "packages", pkg, "seed")
        os.makedirs(os.path.join(seed, "schema"), exist_ok=True)
        with open(os.path.join(seed, "metadata.json"), "w") as fh:
            json.dump({"packageId": pkg, "schema": {"entities": [e["name"] for e in ents], "path": "schema/entities.yaml"}}, fh)
        lines = ["entities:"]
        for e in ents:
            lines.append(f"  - name: {e['name']}")
            lines.append("    fields:")
            for fname, spec in e["fields"]:
                body = ", ".join(f"{k}: {yaml_value(v)}" for k, v in spec.items())
                lines.append(f"      {fname}: {{ {body} }}")
            if e["indexes"]:
                lines.append("    indexes:")
                for ix in e["indexes"]:
                    lines.append(f"      - fields: {yaml_value(ix['fields'])}")
            lines.append("    relations:")
            for r in e["relations"]:
                lines.append("      - { " + ", ".join(f"{k}: {v}" for k, v in r.items()) + " }")
            lines.append("    acl:")
            for op, roles in e["acl"].items():
                lines.append(f"      {op}: {yaml_value(roles)}")
        with open(os.path.join(seed, "schema", "entities.yaml"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "workload.json"), "w") as fh:
        json.dump(model, fh)


def edit(out, fraction, seed):
    with open(os.path.join(out, "workload.json")) as fh:
        model = json.load(fh)
    rng = random.Random(seed)
    everything = [(pkg, i) for pkg, ents in model.items() for i in range(len(ents))]
    chosen = rng.sample(everything, max(1, int(len(everything) * fraction)))
    referenced = {r["entity"] for ents in model.values() for e in ents for r in e["relations"]}
    kinds = {"add field": 0, "change type": 0, "add index": 0, "drop entity": 0}
    dropped = []
    for n, (pkg, i) in enumerate(sorted(chosen)):
        e = model[pkg][i]
        kind = ["add field", "change type", "add index", "drop entity"][n % 4]
        if kind == "drop entity" and e["name"] in referenced:
            kind = "add field"
        if kind == "add field":
            e["fields"].append(["added", {"type": "string", "nullable": True}])
        elif kind == "change type":
            for f in e["fields"]:
                if f[1]["type"] == "int":
                    f[1]["type"] = "bigint"
                    break
            else:
                e["fields"].append(["widened", {"type": "bigint", "nullable": True}])
        elif kind == "add index":
            e["indexes"].append({"fields": ["tenantId"] + ([e["fields"][3][0]] if len(e["fields"]) > 3 else [])})
        else:
            dropped.append((pkg, e["name"]))
        kinds[kind] += 1
    for pkg, name in dropped:
        model[pkg] = [e for e in model[pkg] if e["name"] != name]
    write(out, model)
    print(json.dumps(kinds))


DJANGO_FIELD = {
    "string": "models.TextField", "int": "models.IntegerField", "bigint": "models.BigIntegerField", "float": "models.FloatField",
    "boolean": "models.BooleanField", "json": "models.JSONField", "datetime": "models.DateTimeField", "cuid": "models.CharField",
}


def django(out, target):
    with open(os.path.join(out, "workload.json")) as fh:
        model = json.load(fh)
    owner = {e["name"]: pkg for pkg, ents in model.items() for e in ents}
    if os.path.exists(target):
        shutil.rmtree(target)
    os.makedirs(os.path.join(target, "benchproject"))
    apps = sorted(model)
    open(os.path.join(target, "benchproject", "__init__.py"), "w").close()
    with open(os.path.join(target, "benchproject", "settings.py"), "w") as fh:
        fh.write("SECRET_KEY = 'bench'\nUSE_TZ = True\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n"
                 "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}}\n"
                 f"INSTALLED_APPS = ['core'] + {apps!r}\n")
    with open(os.path.join(target, "manage.py"), "w") as fh:
        fh.write("import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'benchproject.settings')\n"
                 "from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n")
    for app in ["core"] + apps:
        os.makedirs(os.path.join(target, app, "migrations"))
        open(os.path.join(target, app, "__init__.py"), "w").close()
        open(os.path.join(target, app, "migrations", "__init__.py"), "w").close()
    with open(os.path.join(target, "core", "models.py"), "w") as fh:
        fh.write("from django.db import models\n\nclass Tenant(models.Model):\n    id = models.CharField(primary_key=True, max_length=30)\n")
    for app in apps:
        lines = ["from django.db import models", ""]
        for e in model[app]:
            lines.append(f"class {e['name']}(models.Model):")
            for fname, spec in e["fields"]:
                if fname == "id":
                    lines.append("    id = models.CharField(primary_key=True, max_length=30)")
                    continue
                if fname == "tenantId":
                    lines.append("    tenant = models.ForeignKey('core.Tenant', on_delete=models.CASCADE, db_column='tenantId')")
                    continue
                if fname == "parentId":
                    target_entity = next(r["entity"] for r in e["relations"] if r["name"] == "parent")
                    lines.append(f"    parent = models.ForeignKey('{owner[target_entity]}.{target_entity}', null=True, on_delete=models.SET_NULL, db_column='parentId', related_name='+')")
                    continue
                args = []
                if spec["type"] == "string" and "maxLength" in spec:
                    field = f"models.CharField"
                    args.append(f"max_length={spec['maxLength']}")
                else:
                    field = DJANGO_FIELD.get(spec["type"], "models.TextField")
                if spec.get("nullable"):
                    args.append("null=True")
                if "default" in spec:
                    args.append(f"default={spec['default']!r}")
                if "enum" in spec:
                    args.append("choices=[" + ", ".join(f"({v!r}, {v!r})" for v in spec["enum"]) + "]")
                lines.append(f"    {fname} = {field}({', '.join(args)})")
            lines.append("    class Meta:")
            lines.append("        indexes = [" + ", ".join("models.Index(fields=[" + ", ".join(repr('tenant' if f == 'tenantId' else f) for f in ix['fields']) + "])" for ix in e["indexes"]) + "]")
            lines.append("")
        with open(os.path.join(target, app, "models.py"), "w") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate"); g.add_argument("out"); g.add_argument("--packages", type=int, default=100)
    g.add_argument("--entities", type=int, default=10); g.add_argument("--fields", type=int, default=8); g.add_argument("--seed", type=int, default=1)
    e = sub.add_parser("edit"); e.add_argument("out"); e.add_argument("--fraction", type=float, default=0.1); e.add_argument("--seed", type=int, default=2)
    d = sub.add_parser("django"); d.add_argument("out"); d.add_argument("target")
    args = parser.parse_args()
    if args.command == "generate":
        write(args.out, build(args.packages, args.entities, args.fields, args.seed))
    elif args.command == "edit":
        edit(args.out, args.fraction, args.seed)
    else:
        django(args.out, args.target)
