#!/usr/bin/python3
"""route_peers.py - helpers of scripts/make_route_pcaps.sh (run inside its
network namespace, loopback only).

  route_peers.py receive ADDR...    SMTP receivers (aiosmtpd) on ADDR:25 that,
                                    like a receiving MTA, look up the PTR of
                                    each client and the A of its HELO name;
                                    runs until killed
  route_peers.py resolve NAME/TYPE...  ask the resolver in /etc/resolv.conf
                                    (one UDP query each), as a sender that
                                    looks up a domain's MX hosts would
"""
import random
import socket
import struct
import sys
import time

TYPES = {"A": 1, "MX": 15, "AAAA": 28, "PTR": 12, "CNAME": 5}


class Receiver:
    """Accept every message; check the client as a receiving MTA would."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.check(session.peer[0], hostname)
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.check(session.peer[0], hostname)
        session.host_name = hostname
        return "250 {}".format(server.hostname)

    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: queued"

    @staticmethod
    def check(peer, helo):
        try:
            socket.gethostbyaddr(peer)
        except OSError:
            pass
        try:
            socket.gethostbyname(helo)
        except OSError:
            pass


def receive(addrs):
    from aiosmtpd.controller import Controller

    controllers = []
    for a in addrs:
        c = Controller(Receiver(), hostname=a, port=25,
                       server_hostname="rx-" + a.replace(".", "-") + ".test")
        c.start()
        controllers.append(c)
    print("receiving on", " ".join(addrs), flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        for c in controllers:
            c.stop()


def nameserver():
    with open("/etc/resolv.conf") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                return parts[1]
    return "127.0.0.1"


def query(name, qtype):
    qid = random.randrange(65536)
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        msg += bytes([len(label)]) + label.encode()
    msg += b"\0" + struct.pack(">HH", TYPES[qtype], 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(msg, (nameserver(), 53))
    try:
        s.recvfrom(4096)
    except socket.timeout:
        print("no answer for", name, qtype, file=sys.stderr)
    s.close()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "receive":
        receive(sys.argv[2:])
    elif sys.argv[1] == "resolve":
        for q in sys.argv[2:]:
            name, qtype = q.split("/")
            query(name, qtype)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
