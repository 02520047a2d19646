#!/usr/bin/env python3
"""Checks documents against lvsctl's JSON Schemas (docs/schema/, draft 2020-12).

    scripts/check-schemas.py SCHEMA DOCUMENT...

SCHEMA is a file name in docs/schema/ (config.schema.json, snapshot.schema.json, plan.schema.json,
validation.schema.json). A DOCUMENT ending in .yaml or .yml is read as YAML (a config file), any
other as JSON. Every schema is checked first. Exits 1 naming each document that does not match.
Needs python3-jsonschema and python3-yaml (scripts/install-deps.sh).
"""
import json
import pathlib
import sys

import jsonschema
import yaml

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "docs" / "schema"


def validator(name):
    store = {}
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        store[schema["$id"]] = schema
    try:
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            (uri, Resource.from_contents(schema)) for uri, schema in store.items())
        return jsonschema.Draft202012Validator(store[name], registry=registry)
    except ImportError:  # jsonschema before 4.18
        resolver = jsonschema.RefResolver(base_uri=name, referrer=store[name], store=store)
        return jsonschema.Draft202012Validator(store[name], resolver=resolver)


def main(arguments):
    if len(arguments) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    check = validator(arguments[0])
    failed = 0
    for name in arguments[1:]:
        text = pathlib.Path(name).read_text()
        document = yaml.safe_load(text) if name.endswith((".yaml", ".yml")) else json.loads(text)
        errors = sorted(check.iter_errors(document), key=lambda error: list(error.absolute_path))
        for error in errors[:20]:
            where = "/".join(str(part) for part in error.absolute_path) or "(document)"
            print(f"{name}: {where}: {error.message}", file=sys.stderr)
        failed += bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
