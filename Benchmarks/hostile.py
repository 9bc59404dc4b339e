#!/usr/bin/env python3
"""Times `schema validate` on hostile package files of about 0.3 to 1.2 MB (issue 19: validation
cost bounded by input size). Needs the release binary (Benchmarks/run.sh builds it).

  python3 Benchmarks/hostile.py            # prints a Markdown table
  python3 Benchmarks/hostile.py --check    # also exits 1 when a file takes 5 s or more, or crashes schema

SCHEMA_BINARY names another binary (CI passes the one scripts/install.sh built).
"""
import os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.environ.get("SCHEMA_BINARY") or os.path.join(ROOT, ".build-static", "release", "schema")
LIMIT_SECONDS = 5.0
MARKS = "".join(chr(0x300 + i % 100) for i in range(150))


def combining(fields, relations):
    """Field and index names of one character and 150 combining marks: one grapheme, 300 bytes."""
    lines = ["entities:", "  - name: Big", "    fields:", "      id: { type: cuid, primary: true }"]
    lines += [f"      f{MARKS}{i}: {{ type: string }}" for i in range(fields)]
    lines += ["    indexes:"] + [f"      - fields: [g{MARKS}{i}]" for i in range(fields)]
    if relations:
        lines += ["    relations:"] + [f"      - {{ name: r{i}, type: belongsTo, entity: B{MARKS}{i}, field: h{MARKS}{i} }}" for i in range(relations)]
    return "\n".join(lines) + "\n"


def near_misses(count):
    """6,000 long field names and 6,000 index references one letter off each: every one a plausible typo."""
    lines = ["entities:", "  - name: Big", "    fields:", "      id: { type: cuid, primary: true }"]
    lines += [f"      field_{i:05d}_{'x' * 40}: {{ type: string }}" for i in range(count)]
    lines += ["    indexes:"] + [f"      - fields: [field_{i:05d}_{'x' * 39}y]" for i in range(count)]
    return "\n".join(lines) + "\n"


def main():
    if not os.access(SCHEMA, os.X_OK):
        sys.exit(f"build the release binary first: {SCHEMA}")
    cases = [("combining-mark names, 500 fields and references", combining(500, 0)),
             ("combining-mark names, 1,500 fields and references, 300 relations", combining(1500, 300)),
             ("near-miss names, 6,000 fields and references", near_misses(6000))]
    check = "--check" in sys.argv[1:]
    failures = []
    print("| hostile file | size | schema validate (whole process) | target |\n|---|---|---|---|")
    for name, text in cases:
        work = tempfile.mkdtemp(prefix="schema-hostile-")
        folder = os.path.join(work, "packages", "evil", "seed", "schema")
        os.makedirs(folder)
        with open(os.path.join(folder, "entities.yaml"), "w", encoding="utf-8") as handle:
            handle.write(text)
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            # A file this slow would make a start or a scan wait: stop at the limit instead of waiting it out.
            try:
                finished = subprocess.run([SCHEMA, "validate", "--root", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          timeout=LIMIT_SECONDS * 4)
            except subprocess.TimeoutExpired:
                failures.append(f"{name}: still running after {LIMIT_SECONDS * 4:.0f} s")
                break
            samples.append(time.perf_counter() - start)
            # Bad input gets a diagnostic (exit 1), never a crash (a signal) or another status.
            if finished.returncode not in (0, 1):
                failures.append(f"{name}: schema validate exited with {finished.returncode}")
        if not samples:
            continue
        samples.sort()
        median = samples[len(samples) // 2]
        print(f"| {name} | {len(text.encode()) / 1024:.0f} KB | {median:.2f} s | < 5 s for 1 MB |")
        if median >= LIMIT_SECONDS:
            failures.append(f"{name}: {median:.2f} s, over the {LIMIT_SECONDS:.0f} s limit")
    for failure in failures:
        print(f"hostile: {failure}", file=sys.stderr)
    if check and failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
