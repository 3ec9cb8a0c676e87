#!/usr/bin/python3
"""ecs_check.py FILE... - check mailscope --format ecs documents against the
ECS 8.x field reference: every field outside the mailscope.* namespace must
be an ECS field, with a value of its ECS type, and categorization values
must be allowed ones with an event.type each event.category expects.  The
table below was written from Elastic's published field reference (base,
ecs, event, source, destination, network, related, user, tls and email
field sets, ECS 8.11)."""
import ipaddress
import json
import re
import sys

ECS = {
    "@timestamp": "date",
    "ecs.version": "keyword",
    "event.kind": "keyword", "event.category": "keyword[]",
    "event.type": "keyword[]", "event.module": "keyword",
    "event.dataset": "keyword", "event.start": "date", "event.end": "date",
    "event.id": "keyword", "event.action": "keyword",
    "network.community_id": "keyword", "related.hash": "keyword[]",
    "observer.name": "keyword", "observer.type": "keyword",
    "observer.product": "keyword", "observer.vendor": "keyword",
    "observer.version": "keyword",
    "observer.ingress.interface.name": "keyword",
    "email.attachments.file.hash.sha1": "keyword",
    "event.duration": "long", "event.outcome": "keyword",
    "source.address": "keyword", "destination.address": "keyword",
    "source.ip": "ip", "source.port": "long", "source.bytes": "long",
    "source.packets": "long",
    "destination.ip": "ip", "destination.port": "long",
    "destination.bytes": "long", "destination.packets": "long",
    "network.transport": "keyword", "network.protocol": "keyword",
    "network.type": "keyword", "network.bytes": "long",
    "network.packets": "long", "network.vlan.id": "keyword",
    "network.inner.vlan.id": "keyword",
    "user.name": "keyword",
    "related.ip": "ip[]", "related.user": "keyword[]",
    "related.hosts": "keyword[]", "source.domain": "keyword",
    "destination.domain": "keyword",
    "tls.established": "boolean", "tls.resumed": "boolean",
    "tls.version": "keyword", "tls.version_protocol": "keyword",
    "tls.cipher": "keyword", "tls.curve": "keyword",
    "tls.next_protocol": "keyword",
    "tls.client.ja3": "keyword", "tls.client.server_name": "keyword",
    "tls.client.supported_ciphers": "keyword[]",
    "tls.server.ja3s": "keyword",
    "email.origination_timestamp": "date",
    "email.delivery_timestamp": "date",
    "email.attachments.file.extension": "keyword",
    "email.from.address": "keyword[]", "email.to.address": "keyword[]",
    "email.cc.address": "keyword[]", "email.bcc.address": "keyword[]",
    "email.reply_to.address": "keyword[]",
    "email.sender.address": "keyword", "email.subject": "keyword",
    "email.message_id": "wildcard", "email.x_mailer": "keyword",
    "email.content_type": "keyword", "email.local_id": "keyword",
    "email.attachments": "nested",
    "email.attachments.file.name": "keyword",
    "email.attachments.file.mime_type": "keyword",
    "email.attachments.file.size": "long",
    "email.attachments.file.hash.md5": "keyword",
    "email.attachments.file.hash.sha256": "keyword",
}
# tls.client.* and tls.server.*: a certificate's hashes, subject, issuer,
# validity and its x509 field set
for side in ("client", "server"):
    p = "tls." + side + "."
    ECS.update({p + "hash.sha1": "keyword", p + "hash.sha256": "keyword",
                p + "subject": "keyword", p + "issuer": "keyword",
                p + "not_before": "date", p + "not_after": "date"})
    x = p + "x509."
    ECS.update({x + "version_number": "keyword",
                x + "serial_number": "keyword",
                x + "not_before": "date", x + "not_after": "date",
                x + "public_key_algorithm": "keyword",
                x + "public_key_size": "long",
                x + "public_key_curve": "keyword",
                x + "public_key_exponent": "long",
                x + "signature_algorithm": "keyword",
                x + "alternative_names": "keyword[]"})
    for who in ("subject", "issuer"):
        ECS.update({x + who + ".distinguished_name": "keyword",
                    x + who + ".common_name": "keyword[]",
                    x + who + ".organization": "keyword[]"})
ALLOWED = {
    "event.kind": {"alert", "enrichment", "event", "metric", "state",
                   "pipeline_error", "signal"},
    "event.category": {"email", "network", "authentication"},
    "event.type": {"access", "change", "connection", "creation", "deletion",
                   "denied", "end", "error", "group", "indicator", "info",
                   "installation", "protocol", "start", "user", "allowed"},
    "event.outcome": {"failure", "success", "unknown"},
    "network.transport": {"tcp"},
    "network.type": {"ipv4", "ipv6"},
}
# event.category -> the event.type values ECS expects with it
EXPECTED_TYPES = {
    "network": {"access", "allowed", "connection", "denied", "end", "info",
                "protocol", "start"},
    "email": {"info"},
    "authentication": {"start", "end", "info"},
}
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def type_ok(kind, v):
    if kind.endswith("[]"):
        return isinstance(v, list) and all(type_ok(kind[:-2], x) for x in v)
    if kind in ("keyword", "wildcard"):
        return isinstance(v, str)
    if kind == "boolean":
        return isinstance(v, bool)
    if kind == "long":
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == "date":
        return isinstance(v, str) and DATE.match(v) is not None
    if kind == "ip":
        if not isinstance(v, str):
            return False
        try:
            ipaddress.ip_address(v)
            return True
        except ValueError:
            return False
    return False


def check(doc, prefix, errors):
    for k, v in doc.items():
        name = prefix + k
        if name == "mailscope" or name.startswith("mailscope."):
            continue
        kind = ECS.get(name)
        if kind == "nested":
            for item in v:
                check(item, name + ".", errors)
            continue
        if kind is None and isinstance(v, dict):
            check(v, name + ".", errors)
            continue
        if kind is None:
            errors.append("%s is not an ECS field" % name)
        elif not type_ok(kind, v):
            errors.append("%s: %r is not a %s" % (name, v, kind))
        elif name in ALLOWED:
            vals = v if isinstance(v, list) else [v]
            bad = [x for x in vals if x not in ALLOWED[name]]
            if bad:
                errors.append("%s: %r not an allowed value" % (name, bad))


def check_categories(doc, errors):
    event = doc.get("event", {})
    types = set(event.get("type", []))
    for cat in event.get("category", []):
        if not types & EXPECTED_TYPES.get(cat, set()):
            errors.append("event.category %s without an expected event.type"
                          % cat)


def main():
    docs = 0
    errors = []
    for path in sys.argv[1:]:
        for line in open(path, encoding="utf-8"):
            docs += 1
            doc = json.loads(line)
            check(doc, "", errors)
            check_categories(doc, errors)
    for e in errors:
        print(e)
    print("ecs: %d documents, %d errors" % (docs, len(errors)))
    return 1 if errors or not docs else 0


if __name__ == "__main__":
    sys.exit(main())
