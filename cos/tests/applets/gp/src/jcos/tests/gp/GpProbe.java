package jcos.tests.gp;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISOException;
import javacard.framework.Util;
import jcos.framework.CardManager;
import jcos.framework.JcosSystem;

/**
 * Calls jcos.framework with the command's data (CLA 0x80):
 * 01 JcosSystem.getVersion(), two bytes;
 * 02 CardManager.getCardState(), one byte;
 * 03 CardManager.setCardState(P1);
 * 04 CardManager.getApplicationState(data), one byte;
 * 05 CardManager.setApplicationState(data, P1);
 * 06 CardManager.getStatusEntry(P1, P2): the entry, or SW 6A88 past the last;
 * 07 getCardState() catching SecurityException: SW 6982 when caught;
 * E6 INSTALL: CardManager.installForLoad(data) for P1 02, else install(data, P1);
 * E8 LOAD: CardManager.load(data, P2, P1 bit 8 = last block);
 * E4 DELETE: CardManager.delete(data, P2 bit 8 = related objects).
 * With P2 = 01 on E6 and P1 = 01 on E4 the command throws ISOException 6F01 after the
 * call, so the card must drop the request it queued.
 */
public class GpProbe extends Applet {
    private static final byte CLA = (byte) 0x80;
    private static final short SW_THROWN = (short) 0x6F01;

    public static void install(byte[] params, short offset, byte length) {
        new GpProbe().register(params, (short) (offset + 1), params[offset]);
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        if (buf[0] != CLA) {
            ISOException.throwIt((short) 0x6E00);
        }
        byte p1 = buf[2];
        byte p2 = buf[3];
        short len = apdu.setIncomingAndReceive();
        short off = apdu.getOffsetCdata();
        switch (buf[1]) {
            case 0x01:
                Util.setShort(buf, (short) 0, JcosSystem.getVersion());
                apdu.setOutgoingAndSend((short) 0, (short) 2);
                return;
            case 0x02:
                buf[0] = CardManager.getCardState();
                apdu.setOutgoingAndSend((short) 0, (short) 1);
                return;
            case 0x03:
                CardManager.setCardState(p1);
                return;
            case 0x04:
                buf[0] = CardManager.getApplicationState(buf, off, (byte) len);
                apdu.setOutgoingAndSend((short) 0, (short) 1);
                return;
            case 0x05:
                CardManager.setApplicationState(buf, off, (byte) len, p1);
                return;
            case 0x06: {
                short n = CardManager.getStatusEntry(p1, (short) (p2 & 0xFF), buf, (short) 0);
                if (n < 0) {
                    ISOException.throwIt((short) 0x6A88);
                }
                apdu.setOutgoingAndSend((short) 0, n);
                return;
            }
            case 0x07:
                try {
                    CardManager.getCardState();
                } catch (SecurityException e) {
                    ISOException.throwIt((short) 0x6982);
                }
                return;
            case (byte) 0xE6:
                if (p1 == 0x02) {
                    CardManager.installForLoad(buf, off, len);
                } else {
                    CardManager.install(buf, off, len, p1);
                }
                if (p2 == 0x01) {
                    ISOException.throwIt(SW_THROWN);
                }
                return;
            case (byte) 0xE8:
                CardManager.load(buf, off, len, p2, (p1 & 0x80) != 0);
                return;
            case (byte) 0xE4:
                CardManager.delete(buf, off, len, (p2 & 0x80) != 0);
                if (p1 == 0x01) {
                    ISOException.throwIt(SW_THROWN);
                }
                return;
            default:
                ISOException.throwIt((short) 0x6D00);
        }
    }
}
