#!/usr/bin/python3
"""compare.py MAILSCOPE [--list] [--only REF] - differential testing: run
mailscope over every capture in pcaps/ and compare it, fact by fact, with
each reference the repository holds (tshark when installed, Zeek's
baselines, the suricata-verify expectations, Arkime's and nDPI's).

Every disagreement must be listed in pcaps/DIFFERENCES.md with the verdict
from reading the bytes; a disagreement that is not listed fails.  Facts
about TLS handshakes (issue 15) are counted as "not yet produced" until
mailscope writes them, and never fail.  Prints the agreement figures per
reference.  --list prints every disagreement as a DIFFERENCES.md row (with
the verdict to fill in), --only runs one reference.
"""
import collections
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import AGREE, DISAGREE, PENDING, Ours, show  # noqa: E402

DIFFERENCES = os.path.join("pcaps", "DIFFERENCES.md")

# A row of DIFFERENCES.md: | `id` | reference | mailscope | verdict |
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|.*\|\s*([^|]*?)\s*\|\s*$")
VERDICTS = ("ours wrong, owned by the exchange core", "ours wrong",
            "reference wrong", "documented choice")


def load_differences():
    """{id: verdict kind} from pcaps/DIFFERENCES.md."""
    known = {}
    for line in open(DIFFERENCES, encoding="utf-8"):
        m = ROW.match(line)
        if not m:
            continue
        verdict = m.group(2).replace("*", "").strip().lower()
        kind = next((v for v in VERDICTS if verdict.startswith(v)), None)
        if kind is None:
            raise SystemExit("%s: no verdict for %s (%r)" %
                             (DIFFERENCES, m.group(1), m.group(2)))
        known[m.group(1)] = kind
    return known


def captures():
    out = []
    for root, _, files in os.walk("pcaps"):
        for f in files:
            if f.endswith((".pcap", ".pcapng")):
                out.append(os.path.join(root, f))
    return sorted(out)


def references(only):
    """(name, module or the reason it cannot run) for each reference."""
    import importlib
    refs = []
    for name, module in (("tshark", "ref_tshark"), ("zeek", "ref_zeek"),
                         ("suricata-verify", "ref_suricata"),
                         ("arkime", "ref_arkime"), ("ndpi", "ref_ndpi")):
        if only and name != only:
            continue
        try:
            refs.append((name, importlib.import_module(module)))
        except ImportError as e:  # python3-yaml for suricata-verify
            refs.append((name, "%s is not installed" % e.name))
    if shutil.which("tshark") is None and refs and refs[0][0] == "tshark":
        refs[0] = ("tshark", "tshark is not installed")
    return refs


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    binary = args.pop(0)
    listing = "--list" in args
    only = args[args.index("--only") + 1] if "--only" in args else None
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    known = load_differences()
    ours = Ours(binary)
    caps = captures()
    unexplained, seen_ids = [], set()
    for name, module in references(only):
        if isinstance(module, str):
            print("%-16s skipped: %s" % (name, module))
            continue
        facts = module.compare(caps, ours)
        count = collections.Counter()
        for f in facts:
            if f.status == DISAGREE:
                seen_ids.add(f.id)
                kind = known.get(f.id)
                if kind is None:
                    unexplained.append(f)
                    kind = "unexplained"
                count[kind] += 1
            count[f.status] += 1
            if listing and f.status == DISAGREE:
                print("| `%s` | %s | %s | %s |" % (
                    f.id, show(f.theirs), show(f.ours),
                    known.get(f.id, "VERDICT")))
        compared = count[AGREE] + count[DISAGREE]
        print("%-16s %5d facts compared, %5d agree (%.1f%%), %4d differ "
              "(%d ours wrong, owned by the exchange core; %d ours wrong; "
              "%d reference wrong; %d documented choice; %d unexplained); "
              "%d not yet produced" % (
                  name, compared, count[AGREE],
                  100.0 * count[AGREE] / compared if compared else 100.0,
                  count[DISAGREE], count[VERDICTS[0]], count[VERDICTS[1]],
                  count[VERDICTS[2]], count[VERDICTS[3]], count["unexplained"],
                  count[PENDING]))
    stale = [i for i in known if i not in seen_ids and
             (not only or i.startswith(only + ":"))]
    for i in sorted(stale):
        print("stale (no longer differs, or the values changed): %s" % i)
    for f in unexplained:
        print("UNEXPLAINED %s: reference %s, mailscope %s" %
              (f.key, show(f.theirs, 200), show(f.ours, 200)))
    print("compare: %d unexplained disagreements, %d stale entries" %
          (len(unexplained), len(stale)))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
