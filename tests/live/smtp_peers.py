#!/usr/bin/python3
"""smtp_peers.py server|client PORT N [DONE_FILE] - a throw-away SMTP
server and client on 127.0.0.1 for the live-capture tests.

The server answers N sessions concurrently; the client runs N sessions one
after another (EHLO c<i>, MAIL FROM, RCPT TO, DATA with a one-line message,
QUIT) and touches DONE_FILE when all are finished.  Everything times out
after 20 seconds so a test can never hang on them."""
import socket
import sys
import threading


def serve(port, n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    s.settimeout(20)

    def handle(c):
        c.settimeout(20)
        f = c.makefile("rb")
        c.sendall(b"220 live.example ESMTP\r\n")
        in_data = False
        for line in f:
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    c.sendall(b"250 2.0.0 Ok: queued as LIVE1\r\n")
                continue
            verb = line[:4].upper()
            if verb == b"QUIT":
                c.sendall(b"221 2.0.0 bye\r\n")
                break
            if verb == b"DATA":
                in_data = True
                c.sendall(b"354 go ahead\r\n")
            elif verb == b"EHLO":
                c.sendall(b"250-live.example\r\n250 PIPELINING\r\n")
            else:
                c.sendall(b"250 2.1.0 ok\r\n")
        c.close()

    threads = []
    for _ in range(n):
        c, _ = s.accept()
        t = threading.Thread(target=handle, args=(c,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


def client(port, n, done):
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=20)
        f = c.makefile("rb")
        f.readline()
        c.sendall(b"EHLO c%d\r\n" % i)
        while f.readline()[3:4] == b"-":
            pass
        for cmd in (b"MAIL FROM:<a%d@live.example>\r\n" % i,
                    b"RCPT TO:<b@live.example>\r\n", b"DATA\r\n"):
            c.sendall(cmd)
            f.readline()
        c.sendall(b"Subject: live %d\r\n\r\nhello\r\n.\r\n" % i)
        f.readline()
        c.sendall(b"QUIT\r\n")
        f.readline()
        c.close()
    if done:
        open(done, "w").close()


if __name__ == "__main__":
    role, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if role == "server":
        serve(port, n)
    else:
        client(port, n, sys.argv[4] if len(sys.argv) > 4 else None)
