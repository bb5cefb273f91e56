#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Open N TLS connections, complete every handshake, then hold them idle.

Used by run.sh to measure a proxy's memory per idle connection.  Once every
attempt has finished, prints one line and keeps the connections open until
killed (SIGTERM):

    opened 9000 failed 0
    opened 8120 failed 880 first error: ConnectionResetError: ...

The certificate is not checked (the backend's is self-signed); the SNI is
sent as given.  The process needs an open-file limit above N.
"""

import argparse
import asyncio
import ssl


async def hold(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # A bounded number of handshakes in flight, so that the proxies' and
    # the backend's accept queues never overflow: a refused or dropped SYN
    # would show up as a failure that says nothing about idle memory.
    gate = asyncio.Semaphore(args.parallel)
    streams = []
    errors = []

    async def one():
        async with gate:
            try:
                streams.append(await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port, ssl=ctx,
                                            server_hostname=args.sni),
                    args.timeout))
            except (OSError, ssl.SSLError, asyncio.TimeoutError) as e:
                errors.append(f"{type(e).__name__}: {e}")

    await asyncio.gather(*(one() for _ in range(args.count)))
    line = f"opened {len(streams)} failed {len(errors)}"
    if errors:
        line += f" first error: {errors[0]}"
    print(line, flush=True)
    await asyncio.Event().wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sni", required=True)
    p.add_argument("-n", "--count", type=int, required=True)
    p.add_argument("--parallel", type=int, default=64,
                   help="handshakes in flight at once (64)")
    p.add_argument("--timeout", type=float, default=30,
                   help="seconds for one connect and handshake (30)")
    asyncio.run(hold(p.parse_args()))


if __name__ == "__main__":
    main()
