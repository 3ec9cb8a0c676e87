#!/usr/bin/python3
"""ecs_template_check.py TEMPLATE FILEBEAT ECS_NDJSON... - the index
template of docs/examples against ECS and against real output:

  - every ECS field the template maps has its ECS type (the table of
    tests/ecs_check.py, from Elastic's field reference; keyword fields may
    be mapped as keyword only, email.message_id as wildcard,
    email.attachments as nested);
  - the template is strict (dynamic: strict): every field of every document
    in ECS_NDJSON is mapped, with a value its mapping accepts (keyword: a
    string, long: an integer, float: a number, boolean, date: RFC 3339,
    ip: an address);
  - the fields Filebeat adds to each event (agent.*, host.name, input.type,
    log.file.path, log.offset: Filebeat's documented event fields) are
    mapped, so that strict mapping accepts what Filebeat sends;
  - the Filebeat configuration reads those files with a filestream input
    and the ndjson parser, documents at the top level, and leaves the
    template to this one."""
import ipaddress
import json
import re
import sys

import yaml

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import ecs_check  # noqa: E402

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
FILEBEAT_FIELDS = ["agent.name", "agent.type", "agent.version", "agent.id",
                   "agent.ephemeral_id", "host.name", "input.type",
                   "log.file.path", "log.offset", "ecs.version"]


def flatten(props, prefix, out):
    for name, m in props.items():
        path = prefix + name
        if "type" in m and m["type"] != "nested":
            out[path] = m["type"]
        else:
            if m.get("type") == "nested":
                out[path] = "nested"
            flatten(m.get("properties", {}), path + ".", out)
    return out


def value_ok(kind, v):
    if isinstance(v, list):
        return all(value_ok(kind, x) for x in v)
    if kind in ("keyword", "wildcard"):
        return isinstance(v, str)
    if kind == "long":
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == "float":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind == "boolean":
        return isinstance(v, bool)
    if kind == "date":
        return isinstance(v, str) and DATE.match(v) is not None
    if kind == "ip":
        try:
            ipaddress.ip_address(v)
            return True
        except (ValueError, TypeError):
            return False
    return False


def leaves(doc, prefix, mapping, out):
    """(path, value) of every leaf; nested and object arrays walked."""
    for k, v in doc.items():
        path = prefix + k
        if isinstance(v, dict):
            leaves(v, path + ".", mapping, out)
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                leaves(item, path + ".", mapping, out)
        elif isinstance(v, list) and not v:
            continue  # an empty array: nothing to map
        else:
            out.append((path, v))
    return out


def main():
    template = json.load(open(sys.argv[1]))
    mappings = template["template"]["mappings"]
    errors = []
    if mappings.get("dynamic") != "strict":
        errors.append("the template is not strict")
    if mappings["properties"]["mailscope"].get("dynamic") != "strict":
        errors.append("mailscope.* is not strict")
    mapped = flatten(mappings["properties"], "", {})
    for name, kind in ecs_check.ECS.items():
        want = kind.rstrip("[]")
        got = mapped.get(name)
        if got is None:
            errors.append("ECS field %s is not mapped" % name)
        elif got != want:
            errors.append("%s mapped as %s, ECS says %s" % (name, got, want))
    for name in FILEBEAT_FIELDS:
        if name not in mapped:
            errors.append("%s (added by Filebeat) is not mapped" % name)
    docs = 0
    for path in sys.argv[3:]:
        for line in open(path, encoding="utf-8"):
            docs += 1
            for name, v in leaves(json.loads(line), "", mapped, []):
                kind = mapped.get(name)
                if kind is None:
                    errors.append("%s is not mapped (strict: refused)" % name)
                elif not value_ok(kind, v):
                    errors.append("%s: %r is not a %s" % (name, v, kind))
    beat = yaml.safe_load(open(sys.argv[2]))
    inputs = beat["filebeat.inputs"]
    inp = inputs[0]
    nd = inp["parsers"][0]["ndjson"]
    if inp["type"] != "filestream" or nd.get("target") != "" or \
            not nd.get("overwrite_keys") or \
            "/var/log/mailscope/*.ndjson" not in inp["paths"]:
        errors.append("filebeat.yml: not a filestream ndjson input of "
                      "/var/log/mailscope/*.ndjson at the top level")
    if beat.get("setup.template.enabled") is not False:
        errors.append("filebeat.yml: Filebeat's own template is enabled")
    if not beat["output.elasticsearch"]["index"].startswith("mailscope-") or \
            "mailscope-*" not in template["index_patterns"]:
        errors.append("filebeat.yml: the index does not match the template")
    seen = sorted(set(errors))
    for e in seen[:60]:
        print(e)
    print("ecs template: %d fields mapped, %d documents, %d errors" %
          (len(mapped), docs, len(seen)))
    return 1 if seen or not docs else 0


if __name__ == "__main__":
    sys.exit(main())
