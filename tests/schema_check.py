#!/usr/bin/python3
"""schema_check.py SCHEMA FILE... - validate every NDJSON record of FILEs
against the JSON Schema (lines the golden harness adds, "# exit N" and
"mailscope: ...", are skipped)."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
records = errors = 0
for path in sys.argv[2:]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.startswith("#") or line.startswith("mailscope:"):
            continue
        records += 1
        for e in validator.iter_errors(json.loads(line)):
            errors += 1
            print("%s:%d: %s at %s" % (path, n, e.message[:200],
                                       list(e.absolute_path)))
print("schema: %d records, %d errors" % (records, errors))
sys.exit(1 if errors else 0)
