package jcos.applets.counter;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * A persistent counter. Every command (CLA 0x80) answers the counter's value as two bytes:
 * GET (INS 0x01) reads it, INCREMENT (INS 0x02) first adds P1 (1 when P1 is 0), RESET
 * (INS 0x03) first sets it to 0. An increment past 0x7FFF is refused with 6985 and leaves
 * the value unchanged.
 */
public class Counter extends Applet {
    private static final byte CLA = (byte) 0x80;
    private static final byte INS_GET = 0x01;
    private static final byte INS_INCREMENT = 0x02;
    private static final byte INS_RESET = 0x03;
    private static final short MAX = 0x7FFF;

    private short value;

    private Counter() {
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new Counter().register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_CLA] != CLA) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        switch (buf[ISO7816.OFFSET_INS]) {
            case INS_GET:
                break;
            case INS_INCREMENT:
                short step = (short) (buf[ISO7816.OFFSET_P1] & 0xFF);
                if (step == 0) {
                    step = 1;
                }
                if ((short) (MAX - value) < step) {
                    ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
                }
                value += step;
                break;
            case INS_RESET:
                value = 0;
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        Util.setShort(buf, (short) 0, value);
        apdu.setOutgoingAndSend((short) 0, (short) 2);
    }
}
