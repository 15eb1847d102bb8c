package jcos.isd;

import javacard.framework.AID;
import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import org.globalplatform.SecureChannel;

/**
 * The issuer security domain's {@code org.globalplatform.SecureChannel} for its applications
 * (GP Card API 1.6), handed out for {@code GPSystem.getSecureChannel()}: an application
 * forwards INITIALIZE UPDATE and EXTERNAL AUTHENTICATE to {@link #processSecurity} and gets
 * its own SCP02 or SCP03 session with the ISD's keys, on its logical channel, then unwraps its
 * commands and wraps its responses.
 *
 * <p>Its methods run in the ISD's context while the application is the selected applet, so the
 * sessions and scratch memory are CLEAR_ON_RESET (JCRE 3.0.5 §6.1.5: CLEAR_ON_DESELECT memory is
 * reachable only from the selected applet's context). A session is bound to its logical channel
 * and to the application that opened it: a call from another application on that channel is
 * refused (6985), and the security domain drops a session left by an application no longer
 * selected on the channel when another asks for the secure channel there.
 */
final class AppChannel implements SecureChannel {
    private static final byte INS_INITIALIZE_UPDATE = 0x50;
    private static final byte INS_EXTERNAL_AUTHENTICATE = (byte) 0x82;

    private final jcos.isd.SecureChannel channel;
    /** One Session per logical channel in use, CLEAR_ON_RESET. */
    private final Object[] sessions;
    /** The AID of the application whose session each channel holds, or null. */
    private final Object[] owners;

    AppChannel(jcos.isd.SecureChannel isd) {
        channel = new jcos.isd.SecureChannel(isd, JCSystem.CLEAR_ON_RESET);
        sessions = new Object[Session.CHANNELS];
        owners = new Object[Session.CHANNELS];
    }

    /**
     * Hands the secure channel to {@code client} on the current channel: a session another
     * application left there ends.
     */
    void claim(AID client) {
        byte c = APDU.getCLAChannel();
        Object owner = owners[c];
        if (owner != null && !client.equals(owner)) {
            bind(c);
            channel.reset();
            owners[c] = null;
        }
    }

    /** Binds the current channel's session, refusing a caller that does not own it. */
    private byte enter() {
        byte c = APDU.getCLAChannel();
        Object owner = owners[c];
        if (owner != null && !JCSystem.getPreviousContextAID().equals(owner)) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        bind(c);
        return c;
    }

    private void bind(byte c) {
        channel.bind(Session.of(sessions, c, JCSystem.CLEAR_ON_RESET));
    }

    /**
     * INITIALIZE UPDATE (CLA '80') and EXTERNAL AUTHENTICATE (CLA '84') as the ISD processes
     * them, the card challenge and cryptograms computed with the calling application's AID;
     * INITIALIZE UPDATE's response goes to offset 5 of the APDU buffer. Receives the data field.
     * 6E00 for another class, 6D00 for another instruction.
     */
    public short processSecurity(APDU apdu) {
        byte c = enter();
        byte[] buf = apdu.getBuffer();
        byte cla = buf[ISO7816.OFFSET_CLA];
        byte ins = buf[ISO7816.OFFSET_INS];
        if ((cla & 0x80) == 0) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        if (ins != INS_INITIALIZE_UPDATE && ins != INS_EXTERNAL_AUTHENTICATE) {
            ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        short lc = receive(apdu);
        channel.beginCommand();
        if (ins == INS_EXTERNAL_AUTHENTICATE) {
            channel.externalAuthenticate(buf, lc);
            return 0;
        }
        if ((cla & 0x04) != 0) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        AID caller = JCSystem.getPreviousContextAID();
        byte[] work = channel.work;
        byte aidLen = caller.getBytes(work, (short) 240);
        owners[c] = null;
        short n = channel.initializeUpdate(buf, lc, work, (short) 240, aidLen);
        owners[c] = caller;
        Util.arrayCopyNonAtomic(buf, (short) 0, work, (short) 0, n);
        Util.arrayCopyNonAtomic(work, (short) 0, buf, ISO7816.OFFSET_CDATA, n);
        return n;
    }

    /** Receives the whole data field unless the application already did; its length. */
    private static short receive(APDU apdu) {
        if (apdu.getCurrentState() != APDU.STATE_INITIAL) {
            return apdu.getIncomingLength();
        }
        short got = apdu.setIncomingAndReceive();
        short total = apdu.getIncomingLength();
        short off = (short) (ISO7816.OFFSET_CDATA + got);
        while (got < total) {
            short r = apdu.receiveBytes(off);
            got += r;
            off += r;
        }
        return total;
    }

    /**
     * Adds the R-MAC (and R-ENCRYPTION) of the session to a response: {@code sLength} bytes of
     * data and the status word at {@code sOffset}; returns the length of the wrapped data, the
     * status word removed. Only the response of an unwrapped command ending 9000, 62xx or 63xx
     * is protected (Amendment D §6.2.5).
     */
    public short wrap(byte[] baBuffer, short sOffset, short sLength) {
        enter();
        short len = (short) (sLength - 2);
        if (len < 0) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short sw = Util.getShort(baBuffer, (short) (sOffset + len));
        if (sw != ISO7816.SW_NO_ERROR && !jcos.isd.SecureChannel.isWarning(sw)) {
            return len;
        }
        byte[] work = channel.work;
        Util.arrayCopyNonAtomic(baBuffer, sOffset, work, (short) 0, len);
        short n = channel.wrap(work, len, sw);
        Util.arrayCopyNonAtomic(work, (short) 0, baBuffer, sOffset, n);
        return n;
    }

    /**
     * Checks and removes the secure messaging of the command of {@code sLength} bytes (header,
     * Lc, data) at offset 0 of the APDU buffer; returns the plain command's length. A command
     * without CLA bit '04', or any command at a level without C-MAC, is left as it is. A
     * secure messaging error ends the session (6982).
     */
    public short unwrap(byte[] baBuffer, short sOffset, short sLength) {
        enter();
        channel.beginCommand();
        if ((baBuffer[(short) (sOffset + ISO7816.OFFSET_CLA)] & 0x04) == 0
                || !channel.requiresMac()) {
            return sLength;
        }
        if (sOffset != 0 || sLength < ISO7816.OFFSET_CDATA) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short lc = channel.unwrap(baBuffer, (short) (sLength - ISO7816.OFFSET_CDATA));
        return (short) (ISO7816.OFFSET_CDATA + lc);
    }

    /**
     * Decrypts sensitive data with the session's DEK (SCP02: the session DEK in triple DES
     * ECB; SCP03: the static DEK in AES CBC, ICV zero); no padding is removed. 6985 without a
     * session, 6700 for a length that is not whole blocks.
     */
    public short decryptData(byte[] baBuffer, short sOffset, short sLength) {
        enter();
        return channel.cryptData(baBuffer, sOffset, sLength, false);
    }

    /** Encrypts sensitive data as {@link #decryptData} decrypts it. */
    public short encryptData(byte[] baBuffer, short sOffset, short sLength) {
        enter();
        return channel.cryptData(baBuffer, sOffset, sLength, true);
    }

    /** Ends the channel's session. */
    public void resetSecurity() {
        byte c = enter();
        channel.reset();
        owners[c] = null;
    }

    /**
     * The session's level: AUTHENTICATED ('80') with C_MAC, C_DECRYPTION, R_MAC, R_ENCRYPTION
     * as EXTERNAL AUTHENTICATE set them; NO_SECURITY_LEVEL without a session.
     */
    public byte getSecurityLevel() {
        enter();
        if (!channel.authenticated()) {
            return NO_SECURITY_LEVEL;
        }
        return (byte) (AUTHENTICATED | channel.level());
    }
}
