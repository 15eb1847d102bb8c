package jcos.applets.bench;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * A compute kernel typical of applet code, for `jcos bench vm`: RUN (CLA 0x80, INS 0x10) loops
 * P1P2 times over short arithmetic, shifts, byte array loads and stores and a static call, and
 * answers the two-byte result.
 */
public class Bench extends Applet {
    private static final byte CLA = (byte) 0x80;
    private static final byte INS_RUN = 0x10;

    private final byte[] scratch;

    private Bench() {
        scratch = JCSystem.makeTransientByteArray((short) 32, JCSystem.CLEAR_ON_DESELECT);
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new Bench().register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    private static short mix(short a, short b) {
        return (short) ((a << 3) ^ (b >> 2) ^ (a + b));
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_CLA] != CLA) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        if (buf[ISO7816.OFFSET_INS] != INS_RUN) {
            ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        short n = Util.getShort(buf, ISO7816.OFFSET_P1);
        byte[] s = scratch;
        short acc = 1;
        for (short i = 0; i < n; i++) {
            short j = (short) (i & 31);
            acc = (short) (acc * 31 + s[j]);
            s[j] = (byte) (acc ^ i);
            acc = mix(acc, i);
        }
        Util.setShort(buf, (short) 0, acc);
        apdu.setOutgoingAndSend((short) 0, (short) 2);
    }
}
