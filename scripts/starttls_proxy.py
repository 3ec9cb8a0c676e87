#!/usr/bin/python3
"""starttls_proxy.py LISTEN_IP PORT SERVER_IP SERVER_PORT MODE...

A man in the middle for the STARTTLS stripping captures of
scripts/make_tls_pcaps.sh: it relays the i-th connection to the server,
doing to it what MODE number i says (then it exits):

  pass     relay as is (STARTTLS, then the TLS bytes, pass through)
  strip    drop the STARTTLS line from the server's EHLO reply
  xxx      overwrite STARTTLS with XXXXXXXA, as Cisco ESMTP inspection does
  refuse   leave the EHLO reply alone but answer STARTTLS itself with 454

Lines are rewritten only until STARTTLS was sent or refused; after that
the bytes are relayed untouched.  Local traffic only: the script binds
LISTEN_IP and connects to SERVER_IP."""
import asyncio
import sys

listen_ip, port, server_ip, server_port = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3], int(sys.argv[4])
modes = sys.argv[5:]
done = asyncio.Event()
count = 0


def rewrite_ehlo(reply, mode):
    """The EHLO reply's lines with STARTTLS dropped or overwritten."""
    lines = reply.split(b"\r\n")[:-1]
    out = []
    for ln in lines:
        if ln[4:].upper() == b"STARTTLS":
            if mode == "strip":
                continue
            if mode == "xxx":
                ln = ln[:4] + b"XXXXXXXA"
        out.append(ln)
    # the last line keeps "250 " (the dropped one may have been last)
    out = [ln[:3] + b"-" + ln[4:] for ln in out[:-1]] + \
        [out[-1][:3] + b" " + out[-1][4:]]
    return b"".join(ln + b"\r\n" for ln in out)


async def read_reply(reader):
    """One whole SMTP reply (its last line has a space after the code)."""
    data = b""
    while True:
        line = await reader.readline()
        if not line:
            return data
        data += line
        if len(line) >= 4 and line[3:4] == b" ":
            return data


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def handle(creader, cwriter):
    global count
    mode = modes[count] if count < len(modes) else "pass"
    count += 1
    sreader, swriter = await asyncio.open_connection(server_ip, server_port)
    cwriter.write(await read_reply(sreader))  # the greeting
    await cwriter.drain()
    while mode != "pass":
        line = await creader.readline()
        if not line:
            break
        verb = line.strip().upper()
        if verb == b"STARTTLS" and mode == "refuse":
            cwriter.write(b"454 4.7.0 TLS not available due to local problem\r\n")
            await cwriter.drain()
            break
        swriter.write(line)
        await swriter.drain()
        reply = await read_reply(sreader)
        if verb.startswith(b"EHLO") and reply.startswith(b"250"):
            reply = rewrite_ehlo(reply, mode)
        cwriter.write(reply)
        await cwriter.drain()
        if verb == b"STARTTLS" or mode in ("strip", "xxx"):
            break  # the rest is relayed untouched
    await asyncio.gather(pipe(creader, swriter), pipe(sreader, cwriter))
    if count >= len(modes):
        done.set()


async def main():
    server = await asyncio.start_server(handle, listen_ip, port)
    async with server:
        await asyncio.wait_for(done.wait(), timeout=120)


asyncio.run(main())
