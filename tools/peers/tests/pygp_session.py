"""Py-GP (PyPI `Py-GP` 1.0.0, a pure-Python GlobalPlatform host) against a jcos card in a PC/SC
reader: SCP03 and SCP02 sessions at several security levels, then load, install and delete of a
CAP file. Prints one `PASS ...` line per step; any failure raises.

Arguments: the CAP file to load, its package AID, its applet AID.

Py-GP targets Windows: it ships a Windows build of pyscard's SWIG module as
`pygp.connection.pcsc.scard` (pyscard's own `smartcard.scard` is the same module, whose reader
names are str rather than bytes on Linux), and uses `cryptography.utils.register_interface`,
gone since cryptography 38. Both are bridged here before Py-GP is imported.
"""
import sys
import types

import cryptography.utils
import smartcard.scard as scard

if not hasattr(cryptography.utils, "register_interface"):
    cryptography.utils.register_interface = lambda iface: (lambda cls: cls)

shim = types.ModuleType("pygp.connection.pcsc.scard")
shim.__dict__.update({k: getattr(scard, k) for k in dir(scard) if not k.startswith("__")})


def _list_readers(context, groups):
    rc, names = scard.SCardListReaders(context, groups)
    return rc, [n.encode() for n in names]


shim.SCardListReaders = _list_readers
sys.modules["pygp.connection.pcsc.scard"] = shim

import pygp.pygp as gp  # noqa: E402
from pygp.constants import (  # noqa: E402
    SECURITY_LEVEL_C_MAC,
    SECURITY_LEVEL_C_DEC_C_MAC,
    SECURITY_LEVEL_C_DEC_C_MAC_R_MAC,
    SECURITY_LEVEL_C_DEC_R_ENC_C_MAC_R_MAC,
)

ISD = "A000000151000000"
KEY = "404142434445464748494A4B4C4D4E4F"
ISD_STATUS = "E3134F08A0000001510000009F70010FC5039E0000"

cap, package, applet = sys.argv[1], sys.argv[2], sys.argv[3]

# With a reader name Py-GP 1.0.0 does not connect; without one it takes the first reader
# holding a card.
gp.terminal()
gp.set_key("30/1/AES/" + KEY, "30/2/AES/" + KEY, "30/3/AES/" + KEY)
gp.set_key("20/1/DES-ECB/" + KEY, "20/2/DES-ECB/" + KEY, "20/3/DES-ECB/" + KEY)
for kvn, level in [
    ("30", SECURITY_LEVEL_C_MAC),
    ("30", SECURITY_LEVEL_C_DEC_C_MAC),
    ("30", SECURITY_LEVEL_C_DEC_C_MAC_R_MAC),
    ("30", SECURITY_LEVEL_C_DEC_R_ENC_C_MAC_R_MAC),
    ("20", SECURITY_LEVEL_C_MAC),
    ("20", SECURITY_LEVEL_C_DEC_C_MAC),
]:
    # Py-GP's select_isd() sends SELECT without an AID (GP CS 2.3.1 §11.9.2.3).
    gp.select_isd()
    gp.auth(keysetversion=kvn, securitylevel=level)
    gp.get_status_isd()
    status = gp.last_response().upper()
    # At level 13 Py-GP leaves the 8-byte R-MAC after the data.
    if not status.startswith(ISD_STATUS):
        raise SystemExit("GET STATUS at key set %s level %02X: %s" % (kvn, level, status))
    print("PASS session key set %s level %02X" % (kvn, level))

gp.select(ISD)
gp.auth(keysetversion="30", securitylevel=SECURITY_LEVEL_C_DEC_C_MAC)
gp.upload_install(cap, ISD, applet, applet)
gp.get_status_applications()
if applet.upper() not in gp.last_response().upper():
    raise SystemExit("the installed applet is not listed: " + gp.last_response())
print("PASS load and install")
gp.delete_package(package)
print("PASS delete")
gp.close()
