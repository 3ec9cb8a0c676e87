#!/usr/bin/python3
"""tshark_commands.py MAILSCOPE CAPTURE... - for every SMTP and POP3 session,
the commands tshark decodes must be a subset (as a multiset of verbs) of the
commands mailscope records.  Where tshark is known to be wrong, the case is
listed in KNOWN with the reason instead of failing."""
import collections
import json
import subprocess
import sys

# tshark decodes as commands lines mailscope rightly treats otherwise.
KNOWN = {
    "smtp-long-command": "after AUTH LOGIN and 334, the client's QUIT is a SASL "
                         "response (the server answered it with the password "
                         "prompt); tshark calls it a command",
    "reorder-retransmit-overlap": "tshark reassembles the conflicting copy of "
                                  "the overlapping segment and sees garbage",
    "pop3-curl": "tshark does not follow POP3 AUTH: the CRAM-MD5 response "
                 "looks like a command to it",
    "pop3-capa-stls-auth": "tshark does not follow POP3 AUTH: the PLAIN "
                           "response after '+ ' and the '*' cancel look like "
                           "commands to it",
    "pop3-mpop": "tshark does not follow POP3 AUTH: mpop's PLAIN response "
                 "after '+ ' and its DIGEST-MD5 response look like commands "
                 "to it",
    "pop3-fetchmail": "tshark does not follow POP3 AUTH: fetchmail's "
                      "CRAM-MD5 response looks like a command to it",
    "auth-ntlm-digest": "tshark does not follow POP3 AUTH: the NTLM messages "
                        "(TlRM...) look like commands to it",
    "smtp-pop3-tls-by-bytes": "openssl's ClientHello sent first on port 110 "
                              "is POP3 commands to tshark, TLS to mailscope; "
                              "RSET and MAIL sent after STARTTLS before its "
                              "220 are commands to tshark, "
                              "starttls_command_injection to mailscope",
    "smtp-pop3-secrets-fail-safe": "SASL lines sent with AUTH LOGIN before "
                                   "the 334s, or after a refused AUTH, are "
                                   "commands to tshark; SASL data to "
                                   "mailscope (docs/auth.md Fail-safe)",
    "starttls-seam": "commands injected after STARTTLS before its 220 are "
                     "commands to tshark; mailscope reports them as "
                     "starttls_command_injection and does not take them "
                     "as plaintext commands",
    "tls-by-bytes": "tshark decodes a ClientHello sent first on port 110 as "
                    "POP3 commands; mailscope sees TLS from the first byte",
    "auth-fail-safe": "SASL lines an eager client sent before the 334s, or "
                      "after the server refused the AUTH, are commands to "
                      "tshark; mailscope takes them as SASL data so that no "
                      "password becomes a verb (docs/auth.md Fail-safe)",
}


def tshark_commands(path):
    out = subprocess.run(
        ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=|",
         "-E", "aggregator=,", "-e", "tcp.srcport", "-e", "tcp.dstport",
         "-e", "smtp.req.command", "-e", "pop.request.command"],
        capture_output=True, text=True, check=False).stdout
    per_flow = collections.defaultdict(collections.Counter)
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < 4:
            continue
        verbs = [v for v in (f[2] + "," + f[3]).split(",") if v]
        if not verbs:
            continue
        key = frozenset([f[0], f[1]])
        for v in verbs:
            per_flow[key][v.upper()[:4]] += 1
    return per_flow


def mailscope_commands(binary, path):
    out = subprocess.run([binary, "-J", "-q", "-r", path], capture_output=True,
                         text=True, check=False).stdout
    per_flow = collections.defaultdict(collections.Counter)
    for line in out.split("\n"):  # not splitlines: U+2028 ends no record
        if not line:
            continue
        r = json.loads(line)
        key = frozenset([str(r["client"]["port"]), str(r["server"]["port"])])
        for c in r["commands"]:
            # tshark keeps the first four characters of a verb (STARTTLS
            # is "STAR" to it): compare on those
            per_flow[key][c["verb"][:4]] += 1
    return per_flow


def main():
    binary, captures = sys.argv[1], sys.argv[2:]
    failures = flows = 0
    for path in captures:
        ours = mailscope_commands(binary, path)
        for key, theirs in tshark_commands(path).items():
            flows += 1
            missing = theirs - ours.get(key, collections.Counter())
            if not missing:
                continue
            known = [why for name, why in KNOWN.items() if name in path]
            if known:
                print("known %s: %s (%s)" % (path, dict(missing), known[0]))
                continue
            failures += 1
            print("FAIL %s ports %s: tshark has %s that mailscope lacks"
                  % (path, sorted(key), dict(missing)))
    print("tshark commands: %d flows, %d not covered" % (flows, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
