#!/usr/bin/env python3
"""A PC/SC session with pyscard against a jcos card, as any PC/SC program would run it.

Usage: pyscard_session.py READER EXPECTED_ATR_HEX [ops]

Waits (up to 10 s) for a card in READER, then checks, with values from ISO/IEC 7816-4:
  - the ATR is EXPECTED_ATR_HEX;
  - SELECT by DF name of an AID no applet has: 6A82 (file or application not found);
  - MANAGE CHANNEL open, card-assigned (00 70 00 00 01): channel 01, 9000;
  - MANAGE CHANNEL close of channel 1 (00 70 80 01): 9000;
  - GET CHALLENGE for 8 bytes (00 84 00 00 08): 8 bytes, 9000, and a second challenge differs.
With `ops`, the card also holds the golden `ops` applet (instance F04A434F53100101), and the
session selects it and checks three of the answers its fixture session gives:
  - SELECT of the applet: 9000;
  - loops with P1 = 5 (80 12 05 00 00): 001E0005000334EA, 9000;
  - an uncaught ArithmeticException (80 11 00 00 00): 6F00.
Exit status 0 when every check passed, 1 otherwise; one line per check on standard output.
"""
import sys
import time

from smartcard.System import readers
from smartcard.util import toBytes, toHexString


def connect(name, timeout=10.0):
    deadline = time.monotonic() + timeout
    last = "reader not present"
    while time.monotonic() < deadline:
        for reader in readers():
            if str(reader) == name:
                connection = reader.createConnection()
                try:
                    connection.connect()
                    return connection
                except Exception as e:  # no card yet: pcscd polls presence
                    last = str(e)
        time.sleep(0.1)
    sys.exit(f"FAIL no card in reader {name!r} after {timeout} s: {last}")


def main():
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "ops"):
        sys.exit(__doc__)
    name, expected_atr = sys.argv[1], toBytes(sys.argv[2])
    with_ops = len(sys.argv) == 4
    connection = connect(name)
    failures = 0

    def check(what, ok, got):
        nonlocal failures
        print(f"{'PASS' if ok else 'FAIL'} {what}: {got}")
        if not ok:
            failures += 1

    def send(apdu_hex):
        data, sw1, sw2 = connection.transmit(toBytes(apdu_hex))
        return data, (sw1 << 8) | sw2

    atr = connection.getATR()
    check("ATR", atr == expected_atr, toHexString(atr))

    data, sw = send("00A4040008A000000151000000")
    check("SELECT unknown AID answers 6A82", (data, sw) == ([], 0x6A82), f"{toHexString(data)} {sw:04X}")

    data, sw = send("0070000001")
    check("MANAGE CHANNEL open gives channel 01", (data, sw) == ([0x01], 0x9000), f"{toHexString(data)} {sw:04X}")

    data, sw = send("00708001")
    check("MANAGE CHANNEL close of channel 1", (data, sw) == ([], 0x9000), f"{toHexString(data)} {sw:04X}")

    first, sw = send("0084000008")
    check("GET CHALLENGE gives 8 bytes", len(first) == 8 and sw == 0x9000, f"{toHexString(first)} {sw:04X}")
    second, sw = send("0084000008")
    check("a second challenge differs", len(second) == 8 and sw == 0x9000 and second != first,
          f"{toHexString(second)} {sw:04X}")

    if with_ops:
        data, sw = send("00A4040008F04A434F53100101")
        check("SELECT of the ops applet", (data, sw) == ([], 0x9000), f"{toHexString(data)} {sw:04X}")
        data, sw = send("8012050000")
        check("ops loops with P1 = 5", (toHexString(data).replace(" ", ""), sw) == ("001E0005000334EA", 0x9000),
              f"{toHexString(data)} {sw:04X}")
        data, sw = send("8011000000")
        check("ops uncaught ArithmeticException answers 6F00", (data, sw) == ([], 0x6F00),
              f"{toHexString(data)} {sw:04X}")

    connection.disconnect()
    print(f"pyscard session: {'all checks passed' if failures == 0 else f'{failures} checks failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
