package jcos.tests.probe;

import javacard.framework.APDU;
import javacard.framework.APDUException;
import javacard.framework.Applet;
import javacard.framework.AppletEvent;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.OwnerPIN;
import javacard.framework.TransactionException;
import javacard.framework.Util;

/**
 * Exercises the runtime. Every instruction (CLA 0x80) answers a short result in two bytes
 * unless it says otherwise:
 * 01 refuse (P1 != 0) or accept the next select();
 * 02 OwnerPIN.check of the command data: 0x0100 when validated, plus the tries left;
 * 03 OwnerPIN.resetAndUnblock, then isValidated (0);
 * 04 JCSystem.makeGlobalArray(P1, P2): isTransient of the array;
 * 05 JCSystem.getAvailableMemory(short[], 0, P1): the int as four bytes;
 * 06 allocate P1 * 16 bytes, drop them and request object deletion: isObjectDeletionSupported;
 * 07 APDU.setOutgoingLength(300) without ExtendedLength: SW 63xx, xx the APDUException reason;
 * 08 APDU.receiveBytes before setIncomingAndReceive: the APDUException reason;
 * 09 nested beginTransaction: the TransactionException reason;
 * 0A commitTransaction outside a transaction: the TransactionException reason;
 * 0B how many instances of this package were uninstalled;
 * 0C whether APDU.getCurrentAPDUBuffer() is the APDU buffer (1);
 * 0D the transaction depth inside a transaction, then outside (0x0100);
 * 0E OwnerPIN.isValidated.
 */
public class Probe extends Applet implements AppletEvent {
    private static final byte CLA = (byte) 0x80;
    private static final byte[] PIN = {1, 2, 3, 4};

    private static short uninstalled;

    private final OwnerPIN pin;
    private final short[] memory;
    private boolean refuseSelect;
    private Object garbage;

    private Probe() {
        pin = new OwnerPIN((byte) 3, (byte) 8);
        pin.update(PIN, (short) 0, (byte) PIN.length);
        memory = new short[2];
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new Probe().register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    public boolean select() {
        return !refuseSelect;
    }

    public void uninstall() {
        uninstalled++;
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_CLA] != CLA) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        short r = 0;
        switch (buf[ISO7816.OFFSET_INS]) {
            case 0x01:
                refuseSelect = buf[ISO7816.OFFSET_P1] != 0;
                break;
            case 0x02: {
                short n = apdu.setIncomingAndReceive();
                boolean ok = pin.check(buf, ISO7816.OFFSET_CDATA, (byte) n);
                r = (short) ((ok ? 0x0100 : 0) | pin.getTriesRemaining());
                break;
            }
            case 0x03:
                pin.resetAndUnblock();
                r = pin.isValidated() ? (short) 1 : (short) 0;
                break;
            case 0x04: {
                Object o = JCSystem.makeGlobalArray(buf[ISO7816.OFFSET_P1],
                        (short) (buf[ISO7816.OFFSET_P2] & 0xFF));
                r = JCSystem.isTransient(o);
                break;
            }
            case 0x05:
                JCSystem.getAvailableMemory(memory, (short) 0, buf[ISO7816.OFFSET_P1]);
                Util.setShort(buf, (short) 0, memory[0]);
                Util.setShort(buf, (short) 2, memory[1]);
                apdu.setOutgoingAndSend((short) 0, (short) 4);
                return;
            case 0x06:
                garbage = new byte[(short) ((buf[ISO7816.OFFSET_P1] & 0xFF) * 16)];
                garbage = null;
                JCSystem.requestObjectDeletion();
                r = JCSystem.isObjectDeletionSupported() ? (short) 1 : (short) 0;
                break;
            case 0x07:
                try {
                    apdu.setOutgoing();
                    apdu.setOutgoingLength((short) 300);
                } catch (APDUException e) {
                    r = e.getReason();
                }
                ISOException.throwIt((short) (0x6300 | r));
                break;
            case 0x08:
                try {
                    apdu.receiveBytes(ISO7816.OFFSET_CDATA);
                } catch (APDUException e) {
                    r = e.getReason();
                }
                break;
            case 0x09:
                JCSystem.beginTransaction();
                try {
                    JCSystem.beginTransaction();
                } catch (TransactionException e) {
                    r = e.getReason();
                }
                JCSystem.abortTransaction();
                break;
            case 0x0A:
                try {
                    JCSystem.commitTransaction();
                } catch (TransactionException e) {
                    r = e.getReason();
                }
                break;
            case 0x0B:
                r = uninstalled;
                break;
            case 0x0C:
                r = APDU.getCurrentAPDUBuffer() == buf ? (short) 1 : (short) 0;
                break;
            case 0x0D:
                JCSystem.beginTransaction();
                r = (short) (JCSystem.getTransactionDepth() << 8);
                JCSystem.commitTransaction();
                r |= JCSystem.getTransactionDepth();
                break;
            case 0x0E:
                r = pin.isValidated() ? (short) 1 : (short) 0;
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        Util.setShort(buf, (short) 0, r);
        apdu.setOutgoingAndSend((short) 0, (short) 2);
    }
}
