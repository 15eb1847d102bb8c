package jcos.isd;

import javacard.framework.AID;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Shareable;
import javacard.framework.Util;
import jcos.framework.CardManager;
import org.globalplatform.Application;

/**
 * Card content management (GP CS 2.3.1 §11): INSTALL, LOAD, DELETE, GET STATUS, SET STATUS
 * and STORE DATA, over the card OS's registry natives of {@link CardManager}. Every method
 * takes the plain (unwrapped) command in the APDU buffer, data at offset 5, and returns the
 * length of the response data it wrote at offset 0.
 */
final class Content {
    /** GET STATUS answered part of the entries: send the rest with P2 b1 set. */
    static final short SW_MORE_DATA = (short) 0x6310;

    // Plain response data is kept under this so R-ENCRYPTION padding and the R-MAC still fit.
    private static final short MAX_RESPONSE = 224;

    private static final byte INSTALL_FOR_LOAD = 0x02;
    private static final byte INSTALL_FOR_INSTALL = 0x04;
    private static final byte INSTALL_FOR_MAKE_SELECTABLE = 0x08;
    private static final byte INSTALL_FOR_PERSONALIZATION = 0x20;

    // Transient state: [0] GET STATUS kind pending continuation (0 = none), [1] its format,
    // [2] length of the search AID, [3] length of the personalization target's AID.
    private static final short STATUS_KIND = 0;
    private static final short STATUS_FORMAT = 1;
    private static final short STATUS_AID_LEN = 2;
    private static final short PERSO_LEN = 3;
    // The bound session's arrays (see bind).
    private byte[] state;
    private short[] statusNext;
    private byte[] statusAid;
    private byte[] persoAid;

    /** Works on the content state of {@code session} (that of the command's channel). */
    void bind(Session session) {
        state = session.content;
        statusNext = session.statusNext;
        statusAid = session.statusAid;
        persoAid = session.persoAid;
    }

    /** Forgets a GET STATUS continuation and a personalization target (new session). */
    void reset() {
        Util.arrayFillNonAtomic(state, (short) 0, (short) 4, (byte) 0);
    }

    // ------------------------------------------------------------------ INSTALL / LOAD / DELETE

    /**
     * INSTALL (§11.5): [for load] and [for install] / [for make selectable] (alone or
     * combined) go to the card OS; [for personalization] names the application STORE DATA
     * goes to. Answers the single byte '00'.
     */
    short install(byte[] buf, short off, short len) {
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (p1 == INSTALL_FOR_LOAD) {
            CardManager.installForLoad(buf, off, len);
        } else if (p1 == INSTALL_FOR_INSTALL || p1 == INSTALL_FOR_MAKE_SELECTABLE
                || p1 == (byte) (INSTALL_FOR_INSTALL | INSTALL_FOR_MAKE_SELECTABLE)) {
            CardManager.install(buf, off, len, p1);
        } else if (p1 == INSTALL_FOR_PERSONALIZATION) {
            personalization(buf, off, len);
        } else {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        buf[0] = 0;
        return 1;
    }

    private void personalization(byte[] buf, short off, short len) {
        // '00' '00' (no load file, no module), then the application's AID, then empty
        // privileges, parameters and token.
        short end = (short) (off + len);
        if (len < 3 || buf[off] != 0 || buf[(short) (off + 1)] != 0) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        short aidLen = (short) (buf[(short) (off + 2)] & 0xFF);
        short aid = (short) (off + 3);
        if (aidLen < 5 || aidLen > 16 || (short) (aid + aidLen) > end) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        // Throws 6A88 when there is no such application.
        CardManager.getApplicationState(buf, aid, (byte) aidLen);
        Util.arrayCopyNonAtomic(buf, aid, persoAid, (short) 0, aidLen);
        state[PERSO_LEN] = (byte) aidLen;
    }

    /**
     * LOAD (§11.6): P1 '80' for the last block, P2 the block number. The last block answers
     * '00'.
     */
    short load(byte[] buf, short off, short len) {
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (p1 != 0 && p1 != (byte) 0x80) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        boolean last = p1 == (byte) 0x80;
        CardManager.load(buf, off, len, buf[ISO7816.OFFSET_P2], last);
        if (!last) {
            return 0;
        }
        buf[0] = 0;
        return 1;
    }

    /** DELETE (§11.2): '4F' AID; P2 '80' deletes the object and related objects. Answers '00'. */
    short delete(byte[] buf, short off, short len) {
        byte p2 = buf[ISO7816.OFFSET_P2];
        if (buf[ISO7816.OFFSET_P1] != 0 || (p2 != 0 && p2 != (byte) 0x80)) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (len < 2 || buf[off] != 0x4F) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        CardManager.delete(buf, off, len, p2 == (byte) 0x80);
        buf[0] = 0;
        return 1;
    }

    // ------------------------------------------------------------------ STORE DATA

    /**
     * STORE DATA (§11.11) after INSTALL [for personalization]: the whole plain command (header
     * and data, from offset 0) goes to the target's {@link Application#processData}. 6985
     * without a target or when the target offers no Application interface.
     */
    short storeData(byte[] buf, short len) {
        if (state[PERSO_LEN] == 0) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        AID target = JCSystem.lookupAID(persoAid, (short) 0, state[PERSO_LEN]);
        if (target == null) {
            ISOException.throwIt(Isd.SW_REFERENCED_DATA_NOT_FOUND);
        }
        Shareable sio = JCSystem.getAppletShareableInterfaceObject(target, (byte) 0);
        if (!(sio instanceof Application)) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        ((Application) sio).processData(buf, (short) 0, (short) (ISO7816.OFFSET_CDATA + len));
        return 0;
    }

    // ------------------------------------------------------------------ SET STATUS

    /**
     * SET STATUS (§11.10): P1 '80' moves the card life cycle (P2 the new state) along the
     * transitions of §5.1.1; P1 '40' or '60' locks (P2 '80') or unlocks (P2 '00') the
     * application whose AID is the data field.
     */
    short setStatus(byte[] buf, short off, short len) {
        byte p1 = buf[ISO7816.OFFSET_P1];
        byte p2 = buf[ISO7816.OFFSET_P2];
        if (p1 == (byte) 0x80) {
            byte current = CardManager.getCardState();
            if (p2 != CardManager.CARD_INITIALIZED && p2 != CardManager.CARD_SECURED
                    && p2 != CardManager.CARD_LOCKED && p2 != CardManager.CARD_TERMINATED) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (!cardTransition(current, p2)) {
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            CardManager.setCardState(p2);
        } else if (p1 == 0x40 || p1 == 0x60) {
            if (len < 5 || len > 16) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (JCSystem.getAID().equals(buf, off, (byte) len)) {
                // The security domain's own life cycle follows the card's (§5.3).
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            byte current = CardManager.getApplicationState(buf, off, (byte) len);
            byte next;
            if (p2 == (byte) 0x80) {
                next = (byte) (current | CardManager.APP_LOCKED_BIT);
            } else if (p2 == 0) {
                next = (byte) (current & 0x7F);
            } else {
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
                return 0;
            }
            if (next == current) {
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            CardManager.setApplicationState(buf, off, (byte) len, next);
        } else {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        return 0;
    }

    /** The card life cycle transitions the issuer security domain may make (§5.1.1). */
    static boolean cardTransition(byte from, byte to) {
        if (to == CardManager.CARD_TERMINATED) {
            return from != CardManager.CARD_TERMINATED;
        }
        switch (from) {
            case CardManager.CARD_OP_READY:
                return to == CardManager.CARD_INITIALIZED || to == CardManager.CARD_SECURED;
            case CardManager.CARD_INITIALIZED:
                return to == CardManager.CARD_SECURED;
            case CardManager.CARD_SECURED:
                return to == CardManager.CARD_LOCKED;
            case CardManager.CARD_LOCKED:
                return to == CardManager.CARD_SECURED;
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------ GET STATUS

    /**
     * GET STATUS (§11.4): P1 the kind of entries ('80' ISD, '40' applications and security
     * domains, '20' load files, '10' load files and modules), P2 b2 the format ('02' tag list
     * of 'E3' templates, '00' the legacy format) and b1 set to continue after 6310; data the
     * search criteria '4F' AID (empty: every entry; else entries whose AID starts with it).
     * Entries that do not fit end the answer with 6310 (Content#SW_MORE_DATA), returned
     * through {@code more[0]}.
     */
    short getStatus(byte[] buf, short off, short len, byte[] work, boolean[] more) {
        byte kind = buf[ISO7816.OFFSET_P1];
        byte p2 = buf[ISO7816.OFFSET_P2];
        if (kind != CardManager.KIND_ISD && kind != CardManager.KIND_APPLICATIONS
                && kind != CardManager.KIND_LOAD_FILES && kind != CardManager.KIND_LOAD_FILES_AND_MODULES) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if ((p2 & (byte) 0xFC) != 0) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        boolean tags = (p2 & 0x02) != 0;
        short index;
        if ((p2 & 0x01) != 0) {
            if (state[STATUS_KIND] != kind || state[STATUS_FORMAT] != (byte) (p2 & 0x02)) {
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            index = statusNext[0];
        } else {
            short aidLen = 0;
            if (len > 0) {
                if (len < 2 || buf[off] != 0x4F) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                aidLen = (short) (buf[(short) (off + 1)] & 0xFF);
                if (aidLen > 16 || (short) (2 + aidLen) > len) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                Util.arrayCopyNonAtomic(buf, (short) (off + 2), statusAid, (short) 0, aidLen);
            }
            state[STATUS_AID_LEN] = (byte) aidLen;
            index = 0;
        }
        state[STATUS_KIND] = 0;
        short out = 0;
        short found = 0;
        more[0] = false;
        while (true) {
            short recLen = CardManager.getStatusEntry(kind, index, work, (short) 0);
            if (recLen < 0) {
                break;
            }
            if (matches(work, recLen)) {
                short n = tags ? tagged(work, recLen, buf, out) : legacy(kind, work, recLen, buf, out);
                if (n < 0) {
                    if (found == 0) {
                        // One entry alone larger than a response cannot be answered.
                        ISOException.throwIt(ISO7816.SW_FILE_FULL);
                    }
                    more[0] = true;
                    state[STATUS_KIND] = kind;
                    state[STATUS_FORMAT] = (byte) (p2 & 0x02);
                    statusNext[0] = index;
                    break;
                }
                out += n;
                found++;
            }
            index++;
        }
        if (found == 0 && (p2 & 0x01) == 0) {
            ISOException.throwIt(Isd.SW_REFERENCED_DATA_NOT_FOUND);
        }
        return out;
    }

    private boolean matches(byte[] rec, short recLen) {
        short aidLen = state[STATUS_AID_LEN];
        if (aidLen == 0) {
            return true;
        }
        short v = find(rec, recLen, (short) 0x4F);
        if (v < 0) {
            return false;
        }
        short l = (short) (rec[(short) (v - 1)] & 0xFF);
        return l >= aidLen && Util.arrayCompare(rec, v, statusAid, (short) 0, aidLen) == 0;
    }

    /** 'E3' L record, or -1 when it does not fit after {@code out} bytes. */
    private short tagged(byte[] rec, short recLen, byte[] buf, short out) {
        short head = recLen > 127 ? (short) 3 : (short) 2;
        if ((short) (out + head + recLen) > MAX_RESPONSE) {
            return -1;
        }
        buf[out] = (byte) 0xE3;
        if (head == 3) {
            buf[(short) (out + 1)] = (byte) 0x81;
        }
        buf[(short) (out + head - 1)] = (byte) recLen;
        Util.arrayCopyNonAtomic(rec, (short) 0, buf, (short) (out + head), recLen);
        return (short) (head + recLen);
    }

    /**
     * The legacy record (§11.4.3.1): AID length, AID, life cycle state, privileges (first byte;
     * '00' for load files), and for P1 '10' the number of modules and each module's AID.
     */
    private short legacy(byte kind, byte[] rec, short recLen, byte[] buf, short out) {
        short aid = find(rec, recLen, (short) 0x4F);
        if (aid < 0) {
            return 0;
        }
        short aidLen = (short) (rec[(short) (aid - 1)] & 0xFF);
        short need = (short) (aidLen + 3);
        short modules = 0;
        if (kind == CardManager.KIND_LOAD_FILES_AND_MODULES) {
            need++;
            short p = 0;
            while (p < recLen) {
                short v = value(rec, p, recLen);
                if (v < 0) {
                    break;
                }
                short l = (short) (rec[(short) (v - 1)] & 0xFF);
                if (rec[p] == (byte) 0x84) {
                    need += (short) (l + 1);
                    modules++;
                }
                p = (short) (v + l);
            }
        }
        if ((short) (out + need) > MAX_RESPONSE) {
            return -1;
        }
        short o = out;
        buf[o++] = (byte) aidLen;
        o = Util.arrayCopyNonAtomic(rec, aid, buf, o, aidLen);
        short lcs = find(rec, recLen, (short) 0x9F70);
        buf[o++] = lcs < 0 ? 0 : rec[lcs];
        short priv = find(rec, recLen, (short) 0xC5);
        buf[o++] = (priv < 0 || kind == CardManager.KIND_LOAD_FILES
                || kind == CardManager.KIND_LOAD_FILES_AND_MODULES) ? 0 : rec[priv];
        if (kind == CardManager.KIND_LOAD_FILES_AND_MODULES) {
            buf[o++] = (byte) modules;
            short p = 0;
            while (p < recLen) {
                short v = value(rec, p, recLen);
                if (v < 0) {
                    break;
                }
                short l = (short) (rec[(short) (v - 1)] & 0xFF);
                if (rec[p] == (byte) 0x84) {
                    buf[o++] = (byte) l;
                    o = Util.arrayCopyNonAtomic(rec, v, buf, o, l);
                }
                p = (short) (v + l);
            }
        }
        return (short) (o - out);
    }

    /** Offset of the value of the first TLV with {@code tag} (one or two bytes), or -1. */
    private static short find(byte[] rec, short recLen, short tag) {
        short p = 0;
        while (p < recLen) {
            short v = value(rec, p, recLen);
            if (v < 0) {
                return -1;
            }
            short t = (short) (rec[p] & 0xFF);
            if ((rec[p] & 0x1F) == 0x1F) {
                t = Util.getShort(rec, p);
            }
            if (t == tag) {
                return v;
            }
            p = (short) (v + (rec[(short) (v - 1)] & 0xFF));
        }
        return -1;
    }

    /**
     * Offset of the value of the TLV at {@code p} (tags of one or two bytes, lengths of one
     * byte or '81' and one byte), or -1 when it runs past {@code recLen}.
     */
    private static short value(byte[] rec, short p, short recLen) {
        short q = (short) (p + 1);
        if ((rec[p] & 0x1F) == 0x1F) {
            q++;
        }
        if (q >= recLen) {
            return -1;
        }
        if (rec[q] == (byte) 0x81) {
            q++;
        }
        short l = (short) (rec[q] & 0xFF);
        q++;
        if ((short) (q + l) > recLen) {
            return -1;
        }
        return q;
    }
}
