#!/usr/bin/python3
"""dns_seeds.py OUTDIR CAPTURE... - seeds for fuzz_dns: the DNS messages
(UDP port 53, Ethernet/SLL/raw IPv4 and IPv6) of the captures, each as one
input (first byte 0), the TCP port 53 payloads of each capture as one
stream input (first byte 1), and hand-made hostile names."""
import os
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = head[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            order = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            order = ">"
        else:
            return  # pcapng and others: not needed for seeds
        dlt = struct.unpack(order + "I", head[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            incl = struct.unpack(order + "I", rec[8:12])[0]
            data = f.read(incl)
            if len(data) < incl:
                return
            yield dlt, data


def ip_of(dlt, p):
    if dlt == 1 and len(p) >= 14:
        return p[12:14], p[14:]
    if dlt == 113 and len(p) >= 16:
        return p[14:16], p[16:]
    if dlt == 276 and len(p) >= 20:
        return p[0:2], p[20:]
    if dlt in (12, 101, 228) and p:
        return (b"\x08\x00" if p[0] >> 4 == 4 else b"\x86\xdd"), p
    return None, None


def transport(ethertype, ip):
    if ethertype == b"\x08\x00" and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        return ip[9], ip[ihl:struct.unpack(">H", ip[2:4])[0] or len(ip)]
    if ethertype == b"\x86\xdd" and len(ip) >= 40:
        return ip[6], ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
    return None, None


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0

    def write(data):
        nonlocal n
        n += 1
        with open(os.path.join(out, "seed-%04d" % n), "wb") as f:
            f.write(data)

    seen = set()
    for path in sys.argv[2:]:
        stream = b""
        for dlt, p in packets(path):
            et, ip = ip_of(dlt, p)
            if et is None:
                continue
            proto, seg = transport(et, ip)
            if proto == 17 and len(seg) >= 8:
                sport, dport = struct.unpack(">HH", seg[:4])
                if 53 in (sport, dport) and seg[8:] not in seen:
                    seen.add(seg[8:])
                    write(b"\0" + seg[8:])
            elif proto == 6 and len(seg) >= 20:
                sport, dport = struct.unpack(">HH", seg[:4])
                off = (seg[12] >> 4) * 4
                if 53 in (sport, dport) and sport == 53:
                    stream += seg[off:]
        if stream:
            write(b"\1\7" + stream)
    # hostile names: a self pointer, a forward pointer, a loop, a chain
    hdr = b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00"
    write(b"\0" + hdr + b"\xc0\x0c\x00\x0f\x00\x01")
    write(b"\0" + hdr + b"\xc0\x20\x00\x01\x00\x01" + b"\0" * 16)
    write(b"\0" + hdr + b"\x01a\xc0\x0c\x00\x01\x00\x01")
    chain = b"\x01a\x00"
    for i in range(40):
        chain += b"\x01b" + struct.pack(">H", 0xc000 | (12 + 3 + (i - 1) * 4
                                                       if i else 12))
    write(b"\0" + hdr + chain + b"\x00\x01\x00\x01")
    write(b"\0" + hdr + (b"\x3f" + b"x" * 63) * 5 + b"\0\x00\x01\x00\x01")
    print("fuzz seeds: %d dns inputs" % n)


if __name__ == "__main__":
    main()
