package jcos.isd;

import javacard.framework.AID;
import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.MultiSelectable;
import javacard.framework.Shareable;
import javacard.framework.Util;
import jcos.framework.CardManager;

/**
 * The issuer security domain (GlobalPlatform Card Specification 2.3.1): answers SELECT with its
 * FCI, GET DATA with the card's data, opens SCP02 and SCP03 secure channels (INITIALIZE UPDATE,
 * EXTERNAL AUTHENTICATE) and, within one, manages keys (PUT KEY) and card content (INSTALL,
 * LOAD, DELETE, GET STATUS, SET STATUS, STORE DATA). See docs/globalplatform.md.
 *
 * <p>Install parameters (the C9 value) may hold '81' '02' SCP i TLVs choosing the i parameter
 * of SCP02 ('15' or '55'; default '55') and SCP03 ('00', '10', '20', '30', '60' or '70';
 * default '70').
 */
public final class Isd extends Applet implements MultiSelectable {
    /** ISO 7816-4 '6A88': referenced data (key set, tag, application) not found. */
    static final short SW_REFERENCED_DATA_NOT_FOUND = (short) 0x6A88;

    private static final byte INS_GET_DATA = (byte) 0xCA;
    private static final byte INS_GET_DATA_ODD = (byte) 0xCB;
    private static final byte INS_INITIALIZE_UPDATE = 0x50;
    private static final byte INS_EXTERNAL_AUTHENTICATE = (byte) 0x82;
    private static final byte INS_PUT_KEY = (byte) 0xD8;
    private static final byte INS_INSTALL = (byte) 0xE6;
    private static final byte INS_LOAD = (byte) 0xE8;
    private static final byte INS_DELETE = (byte) 0xE4;
    private static final byte INS_GET_STATUS = (byte) 0xF2;
    private static final byte INS_SET_STATUS = (byte) 0xF0;
    private static final byte INS_STORE_DATA = (byte) 0xE2;

    /** getShareableInterfaceObject parameter of GPSystem.getSecureChannel ('S'). */
    private static final byte SECURE_CHANNEL_PARAMETER = 0x53;

    private static final byte DEFAULT_SCP02_I = 0x55;
    private static final byte DEFAULT_SCP03_I = 0x70;

    /** Issuer identification number (GET DATA '42'). */
    private static final byte[] IIN = {0x42, 0x05, (byte) 0xF0, 0x4A, 0x43, 0x4F, 0x53};

    /**
     * Card recognition data (GP CS 2.3.1 Appendix H): GP RID, card management type and version
     * 2.3.1, card identification scheme, then one secure channel protocol OID per protocol
     * (1.2.840.114283.4.SCP.i; the i bytes are set at install).
     */
    private static final byte[] RECOGNITION = {
        0x73, 0x3C,
        0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x01,
        0x60, 0x0C, 0x06, 0x0A, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x02,
        0x02, 0x03, 0x01,
        0x63, 0x09, 0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x03,
        0x64, 0x0B, 0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x04,
        0x02, 0x55,
        0x64, 0x0B, 0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x04,
        0x03, 0x70
    };
    private static final short RECOGNITION_SCP02_I = 48;
    private static final short RECOGNITION_SCP03_I = 61;

    /**
     * Card production life cycle data (GET DATA '9F7F'): fabricator, type, OS identifier,
     * release date and level, fabrication date; the IC serial number (offset 15) is taken from
     * the CIN at install; the rest unset.
     */
    private static final byte[] CPLC = {
        (byte) 0x9F, 0x7F, 0x2A,
        0x4A, 0x43, 0x4F, 0x53, 0x4A, 0x43, 0x63, 0x26, 0x01, 0x00, 0x63, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
    };
    private static final short CPLC_SERIAL = 15;

    private final KeyStore keys;
    private final SecureChannel channel;
    private final Content content;
    /** Card image number (GET DATA '45'): '45' '08' and 8 random bytes drawn at install. */
    private final byte[] cin;
    private final byte[] recognition;
    private final byte[] cplc;
    /** The applications' secure channel, created when first asked for. */
    private AppChannel appChannel;
    /** One Session per logical channel in use, CLEAR_ON_DESELECT. */
    private final Object[] sessions;

    private Isd(byte[] params, short off, short len) {
        byte scp02i = DEFAULT_SCP02_I;
        byte scp03i = DEFAULT_SCP03_I;
        short end = (short) (off + len);
        while (off < end) {
            if ((short) (off + 2) > end) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            short l = (short) (params[(short) (off + 1)] & 0xFF);
            if ((short) (off + 2 + l) > end) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (params[off] == (byte) 0x81 && l == 2) {
                byte scp = params[(short) (off + 2)];
                byte i = params[(short) (off + 3)];
                if (scp == 0x02 && (i == 0x15 || i == 0x55)) {
                    scp02i = i;
                } else if (scp == 0x03 && (i == 0x00 || i == 0x10 || i == 0x20 || i == 0x30
                        || i == 0x60 || i == 0x70)) {
                    scp03i = i;
                } else {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
            }
            off = (short) (off + 2 + l);
        }
        keys = new KeyStore();
        channel = new SecureChannel(keys, scp02i, scp03i);
        content = new Content();
        sessions = new Object[Session.CHANNELS];
        cin = new byte[10];
        cin[0] = 0x45;
        cin[1] = 0x08;
        channel.random(cin, (short) 2, (short) 8);
        // Key diversification data: '0000' then the CIN, so it is unique per card.
        byte[] kdd = channel.work;
        kdd[0] = 0;
        kdd[1] = 0;
        Util.arrayCopyNonAtomic(cin, (short) 2, kdd, (short) 2, (short) 8);
        channel.setDiversificationData(kdd, (short) 0);
        recognition = new byte[RECOGNITION.length];
        Util.arrayCopy(RECOGNITION, (short) 0, recognition, (short) 0, (short) RECOGNITION.length);
        recognition[RECOGNITION_SCP02_I] = scp02i;
        recognition[RECOGNITION_SCP03_I] = scp03i;
        cplc = new byte[CPLC.length];
        Util.arrayCopy(CPLC, (short) 0, cplc, (short) 0, (short) CPLC.length);
        Util.arrayCopy(cin, (short) 6, cplc, CPLC_SERIAL, (short) 4);
    }

    /**
     * Creates the security domain: {@code bArray} holds the instance AID, the privileges and
     * the application parameters, each preceded by its length.
     */
    public static void install(byte[] bArray, short bOffset, byte bLength) {
        short aidLen = (short) (bArray[bOffset] & 0xFF);
        short privOff = (short) (bOffset + 1 + aidLen);
        short paramOff = (short) (privOff + 1 + (bArray[privOff] & 0xFF));
        short paramLen = 0;
        if (paramOff < (short) (bOffset + bLength)) {
            paramLen = (short) (bArray[paramOff] & 0xFF);
        }
        new Isd(bArray, (short) (paramOff + 1), paramLen).register(bArray, (short) (bOffset + 1),
                bArray[bOffset]);
    }

    /** Selection ends any secure channel session on the channel. */
    public boolean select() {
        bind();
        channel.reset();
        content.reset();
        return true;
    }

    /**
     * Selection on a channel while the ISD is active on another (JCRE 3.0.5 §4.2): each
     * channel has its own session, so this one starts without.
     */
    public boolean select(boolean appInstAlreadyActive) {
        return select();
    }

    /** Ends the channel's session on deselection too (the transient state is cleared anyway). */
    public void deselect() {
        bind();
        channel.reset();
        content.reset();
    }

    /** Deselection from one channel ends that channel's session only. */
    public void deselect(boolean appInstStillActive) {
        deselect();
    }

    /**
     * Parameter '53' (GPSystem.getSecureChannel on behalf of an associated application): the
     * applications' {@code org.globalplatform.SecureChannel}; null for any other.
     */
    public Shareable getShareableInterfaceObject(AID clientAID, byte parameter) {
        if (parameter != SECURE_CHANNEL_PARAMETER || clientAID == null) {
            return null;
        }
        if (appChannel == null) {
            appChannel = new AppChannel(channel);
        }
        appChannel.claim(clientAID);
        return appChannel;
    }

    /** Binds the session of the current command's logical channel. */
    private Session bind() {
        Session s = Session.of(sessions, APDU.getCLAChannel(), JCSystem.CLEAR_ON_DESELECT);
        channel.bind(s);
        content.bind(s);
        return s;
    }

    /** Processes one command; see the class comment and docs/globalplatform.md. */
    public void process(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        boolean[] more = bind().more;
        if (selectingApplet()) {
            apdu.setOutgoingAndSend((short) 0, fci(buf));
            return;
        }
        channel.beginCommand();
        byte cla = buf[ISO7816.OFFSET_CLA];
        byte ins = buf[ISO7816.OFFSET_INS];
        byte type = (byte) (cla & 0xFC);
        boolean getData = ins == INS_GET_DATA || ins == INS_GET_DATA_ODD;
        if (type == 0 && ins == ISO7816.INS_SELECT) {
            // A SELECT reaches the selected applet only when no applet matched it.
            ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND);
        }
        if (type != (byte) 0x80 && type != (byte) 0x84 && !(type == 0 && getData)) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        short lc = receive(apdu);
        byte card = CardManager.getCardState();
        if (card == CardManager.CARD_TERMINATED && !getData) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        boolean wrapped = type == (byte) 0x84;
        if (ins == INS_INITIALIZE_UPDATE && !wrapped) {
            content.reset();
            byte[] work = channel.work;
            byte aidLen = JCSystem.getAID().getBytes(work, (short) 240);
            short n = channel.initializeUpdate(buf, lc, work, (short) 240, aidLen);
            apdu.setOutgoingAndSend((short) 0, n);
            return;
        }
        if (ins == INS_EXTERNAL_AUTHENTICATE) {
            channel.externalAuthenticate(buf, lc);
            return;
        }
        channel.dropPending();
        if (wrapped) {
            lc = channel.unwrap(buf, lc);
        } else if (channel.requiresMac() && !getData) {
            channel.reset();
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        if (getData) {
            respond(apdu, getData(buf), ISO7816.SW_NO_ERROR);
            return;
        }
        if (!channel.authenticated()) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        if (card == CardManager.CARD_LOCKED && ins != INS_GET_STATUS && ins != INS_SET_STATUS) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        short off = ISO7816.OFFSET_CDATA;
        short n = 0;
        short sw = ISO7816.SW_NO_ERROR;
        try {
            switch (ins) {
                case INS_PUT_KEY:
                    n = keys.putKey(buf, off, lc, channel, channel.work);
                    break;
                case INS_INSTALL:
                    n = content.install(buf, off, lc);
                    break;
                case INS_LOAD:
                    n = content.load(buf, off, lc);
                    break;
                case INS_DELETE:
                    if (lc > 0 && (buf[off] == (byte) 0xD0 || buf[off] == (byte) 0xD2)) {
                        n = keys.delete(buf, off, lc);
                    } else {
                        n = content.delete(buf, off, lc);
                    }
                    break;
                case INS_SET_STATUS:
                    n = content.setStatus(buf, off, lc);
                    break;
                case INS_STORE_DATA:
                    n = content.storeData(buf, lc);
                    break;
                case INS_GET_STATUS:
                    n = content.getStatus(buf, off, lc, channel.work, more);
                    if (more[0]) {
                        sw = Content.SW_MORE_DATA;
                    }
                    break;
                default:
                    ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
            }
        } catch (ISOException e) {
            // A warning (62xx, 63xx) is a processed command: its status gets the R-MAC
            // (Amendment D §6.2.5); an error status comes alone.
            sw = e.getReason();
            if (!SecureChannel.isWarning(sw)) {
                throw e;
            }
            n = 0;
        }
        respond(apdu, n, sw);
        if (sw != ISO7816.SW_NO_ERROR) {
            ISOException.throwIt(sw);
        }
    }

    /** Reads the whole command data field into the buffer at offset 5; returns its length. */
    private static short receive(APDU apdu) {
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
     * Sends {@code len} bytes of response data, wrapped for the session, to end with {@code sw}
     * (the caller throws a status other than 9000 afterwards).
     */
    private void respond(APDU apdu, short len, short sw) {
        short n = channel.wrap(apdu.getBuffer(), len, sw);
        if (n > 0) {
            apdu.setOutgoingAndSend((short) 0, n);
        }
    }

    /**
     * The FCI (GP CS 2.3.1 §11.1.3): '6F' { '84' AID, 'A5' { '73' security domain management
     * data, '9F65' maximum command data length } }.
     */
    private short fci(byte[] buf) {
        short p = 4;
        buf[2] = (byte) 0x84;
        byte aidLen = JCSystem.getAID().getBytes(buf, (short) 4);
        buf[3] = aidLen;
        p += aidLen;
        buf[p++] = (byte) 0xA5;
        buf[p++] = (byte) (recognition.length + 4);
        p = Util.arrayCopyNonAtomic(recognition, (short) 0, buf, p, (short) recognition.length);
        buf[p++] = (byte) 0x9F;
        buf[p++] = 0x65;
        buf[p++] = 0x01;
        buf[p++] = (byte) 0xFF;
        buf[0] = 0x6F;
        buf[1] = (byte) (p - 2);
        return p;
    }

    /**
     * GET DATA (GP CS 2.3.1 §11.3): P1 P2 the tag: '0042' IIN, '0045' CIN, '0066' card data,
     * '00E0' key information template, '9F7F' CPLC, '00C1' sequence counter, '00D3' current
     * security level. 6A88 for any other.
     */
    private short getData(byte[] buf) {
        short tag = Util.getShort(buf, ISO7816.OFFSET_P1);
        switch (tag) {
            case 0x0042:
                return Util.arrayCopyNonAtomic(IIN, (short) 0, buf, (short) 0, (short) IIN.length);
            case 0x0045:
                return Util.arrayCopyNonAtomic(cin, (short) 0, buf, (short) 0, (short) cin.length);
            case 0x0066:
                buf[0] = 0x66;
                buf[1] = (byte) recognition.length;
                return Util.arrayCopyNonAtomic(recognition, (short) 0, buf, (short) 2,
                        (short) recognition.length);
            case 0x00E0:
                return keys.keyInformation(buf, (short) 0);
            case (short) 0x9F7F:
                return Util.arrayCopyNonAtomic(cplc, (short) 0, buf, (short) 0, (short) cplc.length);
            case 0x00C1:
                return channel.sequenceCounter(buf, (short) 0);
            case 0x00D3:
                buf[0] = (byte) 0xD3;
                buf[1] = 1;
                buf[2] = channel.level();
                return 3;
            default:
                ISOException.throwIt(Isd.SW_REFERENCED_DATA_NOT_FOUND);
                return 0;
        }
    }
}
