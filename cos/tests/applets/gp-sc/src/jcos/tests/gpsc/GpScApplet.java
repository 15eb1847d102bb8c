package jcos.tests.gpsc;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;
import org.globalplatform.GPSystem;
import org.globalplatform.SecureChannel;

/**
 * Runs its commands in a secure channel session of its security domain. INITIALIZE UPDATE
 * ('50') and EXTERNAL AUTHENTICATE ('82') go to SecureChannel.processSecurity; every other
 * command is unwrapped first and answered wrapped:
 * 10 echo of the command data, only for a command with secure messaging (CLA bit '04')
 *    inside a session with C-MAC (6982 otherwise);
 * 12 getSecurityLevel(), one byte;
 * 14 decryptData of the command data, answered;
 * 16 encryptData of the command data, answered;
 * 18 resetSecurity();
 * 1A a warning: no data, SW 6283.
 */
public class GpScApplet extends Applet {
    private static final byte INS_INITIALIZE_UPDATE = 0x50;
    private static final byte INS_EXTERNAL_AUTHENTICATE = (byte) 0x82;

    /** Creates and registers the instance under the AID the installer gives. */
    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new GpScApplet().register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    /** The session belongs to this selection: it ends with it. */
    public void deselect() {
        SecureChannel sc = GPSystem.getSecureChannel();
        if (sc != null) {
            sc.resetSecurity();
        }
    }

    /** Processes one command; see the class comment. */
    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        SecureChannel sc = GPSystem.getSecureChannel();
        if (sc == null) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        byte ins = buf[ISO7816.OFFSET_INS];
        if (ins == INS_INITIALIZE_UPDATE || ins == INS_EXTERNAL_AUTHENTICATE) {
            short n = sc.processSecurity(apdu);
            if (n > 0) {
                apdu.setOutgoingAndSend(ISO7816.OFFSET_CDATA, n);
            }
            return;
        }
        short len = apdu.setIncomingAndReceive();
        short total = apdu.getIncomingLength();
        while (len < total) {
            len += apdu.receiveBytes((short) (ISO7816.OFFSET_CDATA + len));
        }
        boolean secured = (buf[ISO7816.OFFSET_CLA] & 0x04) != 0;
        short lc = (short) (sc.unwrap(buf, (short) 0, (short) (ISO7816.OFFSET_CDATA + len))
                - ISO7816.OFFSET_CDATA);
        byte level = sc.getSecurityLevel();
        short n = 0;
        short sw = ISO7816.SW_NO_ERROR;
        switch (ins) {
            case 0x10:
                if (!secured || (level & SecureChannel.AUTHENTICATED) == 0
                        || (level & SecureChannel.C_MAC) == 0) {
                    ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
                }
                n = Util.arrayCopyNonAtomic(buf, ISO7816.OFFSET_CDATA, buf, (short) 0, lc);
                break;
            case 0x12:
                buf[0] = level;
                n = 1;
                break;
            case 0x14:
                n = sc.decryptData(buf, ISO7816.OFFSET_CDATA, lc);
                Util.arrayCopyNonAtomic(buf, ISO7816.OFFSET_CDATA, buf, (short) 0, n);
                break;
            case 0x16:
                n = sc.encryptData(buf, ISO7816.OFFSET_CDATA, lc);
                Util.arrayCopyNonAtomic(buf, ISO7816.OFFSET_CDATA, buf, (short) 0, n);
                break;
            case 0x18:
                sc.resetSecurity();
                break;
            case 0x1A:
                sw = (short) 0x6283;
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        Util.setShort(buf, n, sw);
        n = sc.wrap(buf, (short) 0, (short) (n + 2));
        if (n > 0) {
            apdu.setOutgoingAndSend((short) 0, n);
        }
        if (sw != ISO7816.SW_NO_ERROR) {
            ISOException.throwIt(sw);
        }
    }
}
