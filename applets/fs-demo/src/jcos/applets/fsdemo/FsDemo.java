package jcos.applets.fsdemo;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import jcos.framework.FileSystem;

/**
 * Reaches the card's file system through jcos.framework.FileSystem. Every command has CLA
 * 0x80; a path is FIDs of two bytes each from the MF, without 3F00. The file system holds the
 * applet to the security status of its logical channel, so the answers are the card's:
 * READ (INS 0x10) answers up to Le bytes of the transparent EF whose path is the data, from
 * offset P1-P2; UPDATE (INS 0x12) takes the path's length in bytes, the path and the new bytes
 * for offset P1-P2; RECORD (INS 0x14) answers record P1 of the record EF at the path; ACCESS
 * (INS 0x16) answers 01 when operation P1 (1 read, 2 update, 3 append) is allowed, else 00;
 * SIZE (INS 0x18) answers the EF's size as two bytes. A refusal of the file system reaches
 * the terminal as its status word.
 */
public class FsDemo extends Applet {
    private static final byte CLA = (byte) 0x80;
    private static final byte INS_READ = 0x10;
    private static final byte INS_UPDATE = 0x12;
    private static final byte INS_RECORD = 0x14;
    private static final byte INS_ACCESS = 0x16;
    private static final byte INS_SIZE = 0x18;

    private final byte[] scratch;

    private FsDemo() {
        scratch = JCSystem.makeTransientByteArray((short) 256, JCSystem.CLEAR_ON_DESELECT);
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new FsDemo().register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_CLA] != CLA) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        byte ins = buf[ISO7816.OFFSET_INS];
        short offset = Util.getShort(buf, ISO7816.OFFSET_P1);
        byte p1 = buf[ISO7816.OFFSET_P1];
        short lc = apdu.setIncomingAndReceive();
        short n;
        switch (ins) {
            case INS_READ:
                short le = apdu.setOutgoing();
                if (le > (short) scratch.length) {
                    le = (short) scratch.length;
                }
                n = FileSystem.readBinary(buf, ISO7816.OFFSET_CDATA, (byte) lc, offset,
                        scratch, (short) 0, le);
                send(apdu, n);
                return;
            case INS_UPDATE:
                byte pathLen = buf[ISO7816.OFFSET_CDATA];
                short data = (short) (ISO7816.OFFSET_CDATA + 1 + pathLen);
                FileSystem.updateBinary(buf, (short) (ISO7816.OFFSET_CDATA + 1), pathLen,
                        offset, buf, data, (short) (lc - 1 - pathLen));
                return;
            case INS_RECORD:
                n = FileSystem.readRecord(buf, ISO7816.OFFSET_CDATA, (byte) lc, p1, scratch,
                        (short) 0);
                apdu.setOutgoing();
                send(apdu, n);
                return;
            case INS_ACCESS:
                scratch[0] = FileSystem.checkAccess(buf, ISO7816.OFFSET_CDATA, (byte) lc, p1)
                        ? (byte) 1 : (byte) 0;
                apdu.setOutgoing();
                send(apdu, (short) 1);
                return;
            case INS_SIZE:
                Util.setShort(scratch, (short) 0,
                        FileSystem.getFileSize(buf, ISO7816.OFFSET_CDATA, (byte) lc));
                apdu.setOutgoing();
                send(apdu, (short) 2);
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }

    /** Sends the first n bytes of the scratch buffer; setOutgoing was called. */
    private void send(APDU apdu, short n) {
        apdu.setOutgoingLength(n);
        apdu.sendBytesLong(scratch, (short) 0, n);
    }
}
