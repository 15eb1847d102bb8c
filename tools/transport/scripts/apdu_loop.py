"""Sends one APDU to a PC/SC reader over and over and reports the rate, for `jcos bench pcsc`.

Usage: python3 -c "$(cat apdu_loop.py)" READER SECONDS APDU_HEX EXPECTED_SW_HEX
Prints one JSON object: {"apdus": N, "seconds": S, "unexpected": U}. Uses pyscard's thin
SCard* layer so the figure measures pcscd + vpcd + the card, not Python object overhead.
"""
import json
import sys
import time

from smartcard.scard import (SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_S_SUCCESS,
                             SCARD_SCOPE_USER, SCARD_SHARE_SHARED, SCardConnect,
                             SCardEstablishContext, SCardGetErrorMessage, SCardTransmit)


def require(hresult, what):
    if hresult != SCARD_S_SUCCESS:
        sys.exit(f"{what}: {SCardGetErrorMessage(hresult)}")


def main():
    reader, seconds = sys.argv[1], float(sys.argv[2])
    apdu = list(bytes.fromhex(sys.argv[3]))
    expected_sw = list(bytes.fromhex(sys.argv[4]))
    hresult, context = SCardEstablishContext(SCARD_SCOPE_USER)
    require(hresult, "SCardEstablishContext")
    deadline = time.monotonic() + 10
    while True:
        hresult, card, protocol = SCardConnect(context, reader, SCARD_SHARE_SHARED,
                                               SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
        if hresult == SCARD_S_SUCCESS or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    require(hresult, f"SCardConnect({reader!r})")
    count = unexpected = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        for _ in range(100):
            hresult, response = SCardTransmit(card, protocol, apdu)
            require(hresult, "SCardTransmit")
            if response[-2:] != expected_sw:
                unexpected += 1
        count += 100
        now = time.perf_counter()
        if now >= end:
            break
    print(json.dumps({"apdus": count, "seconds": now - start, "unexpected": unexpected}))


main()
