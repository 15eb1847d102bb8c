package jcos.tests.gpapi;

import javacard.framework.APDU;
import org.globalplatform.SecureChannel;

/**
 * The SecureChannel a GpApiProbe installed as a security domain hands out: no protocol, a
 * fixed security level (0x33) so that a client can tell it received this object.
 */
final class Channel implements SecureChannel {
    static final byte LEVEL = (byte) 0x33;

    public short processSecurity(APDU apdu) {
        return 0;
    }

    public short wrap(byte[] buf, short off, short len) {
        return len;
    }

    public short unwrap(byte[] buf, short off, short len) {
        return len;
    }

    public short decryptData(byte[] buf, short off, short len) {
        return len;
    }

    public short encryptData(byte[] buf, short off, short len) {
        return len;
    }

    public void resetSecurity() {
    }

    public byte getSecurityLevel() {
        return LEVEL;
    }
}
