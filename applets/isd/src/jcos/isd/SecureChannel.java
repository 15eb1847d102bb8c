package jcos.isd;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.AESKey;
import javacard.security.DESKey;
import javacard.security.KeyBuilder;
import javacard.security.RandomData;
import javacard.security.Signature;
import javacardx.crypto.Cipher;

/**
 * The card side of the GlobalPlatform secure channel protocols: SCP02 (GP CS 2.3.1 Appendix E,
 * i = '15' or '55') and SCP03 (Amendment D, i = '00', '10', '30' or '70', AES-128/192/256).
 * INITIALIZE UPDATE picks the protocol from the key set it names: a DES key set runs SCP02, an
 * AES key set SCP03. After EXTERNAL AUTHENTICATE the channel unwraps commands (C-MAC, C-DECRYPTION)
 * and wraps responses (R-MAC, R-ENCRYPTION; SCP03 only) at the security level the host chose.
 * Any secure messaging error ends the session.
 */
final class SecureChannel {
    /** Security level bit: commands carry a C-MAC. */
    static final byte C_MAC = 0x01;
    /** Security level bit: command data is encrypted. */
    static final byte C_DECRYPTION = 0x02;
    /** Security level bit: responses carry an R-MAC. */
    static final byte R_MAC = 0x10;
    /** Security level bit: response data is encrypted. */
    static final byte R_ENCRYPTION = 0x20;
    /** Status word of an EXTERNAL AUTHENTICATE whose cryptogram or MAC is wrong. */
    static final short SW_AUTHENTICATION_FAILED = (short) 0x6300;
    /** Status word of INITIALIZE UPDATE once too many authentications failed. */
    static final short SW_AUTHENTICATION_BLOCKED = (short) 0x6983;
    /** Consecutive failed EXTERNAL AUTHENTICATEs after which INITIALIZE UPDATE answers 6983. */
    static final byte MAX_FAILURES = 100;

    // SCP02 i parameter bits (GP CS 2.3.1 Table E-1) that change the card's behaviour.
    private static final byte I02_ICV_ENCRYPTION = 0x10;
    private static final byte I02_PSEUDO_RANDOM = 0x40;
    // SCP03 i parameter bits (Amendment D Table 5-1).
    private static final byte I03_PSEUDO_RANDOM = 0x10;
    private static final byte I03_R_MAC = 0x20;
    private static final byte I03_R_ENCRYPTION = 0x40;

    // SCP03 data derivation constants (Amendment D §6.2.1).
    private static final byte DERIVE_CARD_CRYPTOGRAM = 0x00;
    private static final byte DERIVE_HOST_CRYPTOGRAM = 0x01;
    private static final byte DERIVE_CARD_CHALLENGE = 0x02;
    private static final byte DERIVE_S_ENC = 0x04;
    private static final byte DERIVE_S_MAC = 0x06;
    private static final byte DERIVE_S_RMAC = 0x07;

    // Transient state bytes.
    private static final short PHASE = 0;
    private static final short PROTOCOL = 1;
    private static final short LEVEL = 2;
    private static final short I = 3;
    private static final short KVN = 4;
    private static final short KEY_LENGTH = 5;
    private static final short WRAPPED = 6;
    private static final byte IDLE = 0;
    private static final byte INITIALIZED = 1;
    private static final byte AUTHENTICATED = 2;

    // Offsets of the session keys in sk.
    private static final short SK_ENC = 0;
    private static final short SK_MAC = 32;
    private static final short SK_RMAC = 64;
    private static final short SK_DEK = 96;

    private final KeyStore keys;
    /** SCP02 sequence counter (2 bytes), then SCP03 sequence counter (3 bytes). */
    private final byte[] counters;
    /** Key diversification data answered by INITIALIZE UPDATE. */
    private final byte[] kdd;
    /**
     * Failed authentications in a row, SCP02 i, SCP03 i. An array rather than fields: the card
     * OS finds references conservatively, and a byte field equal to an object handle would pin
     * that object against deletion.
     */
    private final byte[] settings;
    private static final short FAILURES = 0;
    private static final short SCP02_I = 1;
    private static final short SCP03_I = 2;

    // The bound session's arrays (see bind).
    private byte[] state;
    private byte[] context;
    private byte[] sequence;
    private byte[] chain;
    private byte[] counter;
    private byte[] sk;
    private final byte[] tmp;
    private final byte[] mac;
    /** Scratch space for whole messages; also lent to the command handlers. */
    final byte[] work;

    private final DESKey des8;
    private final DESKey des16;
    private final AESKey aes16;
    private final AESKey aes24;
    private final AESKey aes32;
    private final Cipher desCbc;
    private final Cipher desEcb;
    private final Cipher aesCbc;
    private final Cipher aesEcb;
    private final Signature cmac;
    private final RandomData random;

    /** A channel of the issuer security domain: its own settings and sequence counters. */
    SecureChannel(KeyStore keys, byte scp02i, byte scp03i) {
        this(keys, new byte[3], new byte[5], new byte[10], JCSystem.CLEAR_ON_DESELECT);
        settings[SCP02_I] = scp02i;
        settings[SCP03_I] = scp03i;
    }

    /**
     * A channel sharing the keys, settings, sequence counters and diversification data of
     * {@code isd}, its scratch memory and session keys of the given transient kind:
     * CLEAR_ON_RESET for the sessions of applications, which run while another applet is the
     * selected one (JCRE 3.0.5 §6.1.5: CLEAR_ON_DESELECT memory is then out of reach).
     */
    SecureChannel(SecureChannel isd, byte memory) {
        this(isd.keys, isd.settings, isd.counters, isd.kdd, memory);
    }

    private SecureChannel(KeyStore keys, byte[] settings, byte[] counters, byte[] kdd,
            byte memory) {
        this.keys = keys;
        this.settings = settings;
        this.counters = counters;
        this.kdd = kdd;
        tmp = JCSystem.makeTransientByteArray((short) 64, memory);
        mac = JCSystem.makeTransientByteArray((short) 16, memory);
        work = JCSystem.makeTransientByteArray((short) 288, memory);
        byte desType = KeyBuilder.TYPE_DES_TRANSIENT_DESELECT;
        byte aesType = KeyBuilder.TYPE_AES_TRANSIENT_DESELECT;
        if (memory == JCSystem.CLEAR_ON_RESET) {
            desType = KeyBuilder.TYPE_DES_TRANSIENT_RESET;
            aesType = KeyBuilder.TYPE_AES_TRANSIENT_RESET;
        }
        des8 = (DESKey) KeyBuilder.buildKey(desType, KeyBuilder.LENGTH_DES, false);
        des16 = (DESKey) KeyBuilder.buildKey(desType, KeyBuilder.LENGTH_DES3_2KEY, false);
        aes16 = (AESKey) KeyBuilder.buildKey(aesType, KeyBuilder.LENGTH_AES_128, false);
        aes24 = (AESKey) KeyBuilder.buildKey(aesType, KeyBuilder.LENGTH_AES_192, false);
        aes32 = (AESKey) KeyBuilder.buildKey(aesType, KeyBuilder.LENGTH_AES_256, false);
        desCbc = Cipher.getInstance(Cipher.ALG_DES_CBC_NOPAD, false);
        desEcb = Cipher.getInstance(Cipher.ALG_DES_ECB_NOPAD, false);
        aesCbc = Cipher.getInstance(Cipher.ALG_AES_BLOCK_128_CBC_NOPAD, false);
        aesEcb = Cipher.getInstance(Cipher.ALG_AES_BLOCK_128_ECB_NOPAD, false);
        cmac = Signature.getInstance(Signature.ALG_AES_CMAC_128, false);
        random = RandomData.getInstance(RandomData.ALG_SECURE_RANDOM);
    }

    /** Works on the session of {@code session} (that of the command's logical channel). */
    void bind(Session session) {
        state = session.state;
        context = session.context;
        sequence = session.sequence;
        chain = session.chain;
        counter = session.counter;
        sk = session.sk;
    }

    /** Sets the key diversification data INITIALIZE UPDATE answers. */
    void setDiversificationData(byte[] src, short off) {
        Util.arrayCopy(src, off, kdd, (short) 0, (short) 10);
    }

    /** Fills {@code len} bytes with random data. */
    void random(byte[] dst, short off, short len) {
        random.generateData(dst, off, len);
    }

    /** Ends the session (or the pending initiation) and forgets its keys. */
    void reset() {
        Util.arrayFillNonAtomic(state, (short) 0, (short) state.length, (byte) 0);
        Util.arrayFillNonAtomic(sk, (short) 0, (short) sk.length, (byte) 0);
        Util.arrayFillNonAtomic(chain, (short) 0, (short) 16, (byte) 0);
        Util.arrayFillNonAtomic(counter, (short) 0, (short) 16, (byte) 0);
    }

    /** Marks the start of a command: its response is wrapped only if {@link #unwrap} ran. */
    void beginCommand() {
        state[WRAPPED] = 0;
    }

    /** Ends an initiation that was not followed by EXTERNAL AUTHENTICATE. */
    void dropPending() {
        if (state[PHASE] == INITIALIZED) {
            reset();
        }
    }

    /** Whether a session is open (EXTERNAL AUTHENTICATE succeeded). */
    boolean authenticated() {
        return state[PHASE] == AUTHENTICATED;
    }

    /** Whether the open session requires every command to carry a C-MAC. */
    boolean requiresMac() {
        return state[PHASE] == AUTHENTICATED && (state[LEVEL] & C_MAC) != 0;
    }

    /** The current security level (GET DATA 'D3'), 0 without a session. */
    byte level() {
        return state[PHASE] == AUTHENTICATED ? state[LEVEL] : 0;
    }

    /**
     * Writes the sequence counter of the first key set's protocol (GET DATA 'C1'): two bytes
     * for SCP02, three for SCP03.
     */
    short sequenceCounter(byte[] out, short off) {
        short slot = keys.find(keys.firstVersion(), KeyStore.ID_ENC);
        out[off] = (byte) 0xC1;
        if (slot >= 0 && keys.type(slot) == KeyStore.TYPE_DES) {
            out[(short) (off + 1)] = 2;
            Util.arrayCopyNonAtomic(counters, (short) 0, out, (short) (off + 2), (short) 2);
            return 4;
        }
        out[(short) (off + 1)] = 3;
        Util.arrayCopyNonAtomic(counters, (short) 2, out, (short) (off + 2), (short) 3);
        return 5;
    }

    // ------------------------------------------------------------------ initiation

    /**
     * INITIALIZE UPDATE (GP CS 2.3.1 §11.12): P1 the key version ('00': the first key set), P2
     * '00', data the 8-byte host challenge. Computes the session keys and the card cryptogram
     * and writes the response at offset 0 of {@code buf}; returns its length.
     */
    short initializeUpdate(byte[] buf, short lc, byte[] aid, short aidOff, byte aidLen) {
        reset();
        if (lc != 8) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (buf[ISO7816.OFFSET_P2] != 0) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (settings[FAILURES] >= MAX_FAILURES) {
            ISOException.throwIt(SW_AUTHENTICATION_BLOCKED);
        }
        byte kvn = buf[ISO7816.OFFSET_P1];
        if (kvn == 0) {
            kvn = keys.firstVersion();
        }
        short enc = keys.find(kvn, KeyStore.ID_ENC);
        short mk = keys.find(kvn, KeyStore.ID_MAC);
        short dek = keys.find(kvn, KeyStore.ID_DEK);
        if (enc < 0 || mk < 0 || dek < 0 || keys.type(enc) != keys.type(mk)
                || keys.type(enc) != keys.type(dek) || keys.length(enc) != keys.length(mk)) {
            ISOException.throwIt(Isd.SW_REFERENCED_DATA_NOT_FOUND);
        }
        Util.arrayCopyNonAtomic(buf, ISO7816.OFFSET_CDATA, context, (short) 0, (short) 8);
        state[KVN] = kvn;
        short len;
        if (keys.type(enc) == KeyStore.TYPE_DES) {
            if (keys.length(enc) != 16) {
                ISOException.throwIt(Isd.SW_REFERENCED_DATA_NOT_FOUND);
            }
            len = initScp02(buf, enc, mk, dek, aid, aidOff, aidLen);
        } else {
            len = initScp03(buf, enc, mk, aid, aidOff, aidLen);
        }
        state[PHASE] = INITIALIZED;
        return len;
    }

    private short initScp02(byte[] buf, short enc, short mk, short dek, byte[] aid, short aidOff,
            byte aidLen) {
        byte[] kb = keys.bytes();
        byte scp02i = settings[SCP02_I];
        Util.arrayCopyNonAtomic(counters, (short) 0, sequence, (short) 0, (short) 2);
        derive02(kb, keys.valueOffset(enc), (byte) 0x82, SK_ENC);
        derive02(kb, keys.valueOffset(mk), (byte) 0x01, SK_MAC);
        derive02(kb, keys.valueOffset(mk), (byte) 0x02, SK_RMAC);
        derive02(kb, keys.valueOffset(dek), (byte) 0x81, SK_DEK);
        state[PROTOCOL] = 2;
        state[I] = scp02i;
        state[KEY_LENGTH] = 16;
        Util.arrayCopyNonAtomic(sequence, (short) 0, context, (short) 8, (short) 2);
        if ((scp02i & I02_PSEUDO_RANDOM) != 0) {
            // The well-known algorithm: the C-MAC (ICV zero) of the selected AID under the
            // session's S-MAC, so the challenge depends only on the sequence counter.
            Util.arrayCopyNonAtomic(aid, aidOff, work, (short) 0, aidLen);
            short m = pad(work, aidLen, (short) 8);
            Util.arrayFillNonAtomic(tmp, (short) 0, (short) 8, (byte) 0);
            retailMac(work, m, tmp, (short) 0, tmp, (short) 8);
            Util.arrayCopyNonAtomic(tmp, (short) 8, context, (short) 10, (short) 6);
        } else {
            random.generateData(context, (short) 10, (short) 6);
        }
        // Card cryptogram: MAC of host challenge | sequence counter | card challenge.
        Util.arrayCopyNonAtomic(context, (short) 0, work, (short) 0, (short) 16);
        short m = pad(work, (short) 16, (short) 8);
        des3Mac(SK_ENC, work, m);
        Util.arrayCopyNonAtomic(kdd, (short) 0, buf, (short) 0, (short) 10);
        buf[10] = state[KVN];
        buf[11] = 0x02;
        Util.arrayCopyNonAtomic(context, (short) 8, buf, (short) 12, (short) 8);
        Util.arrayCopyNonAtomic(work, (short) (m - 8), buf, (short) 20, (short) 8);
        return 28;
    }

    private short initScp03(byte[] buf, short enc, short mk, byte[] aid, short aidOff, byte aidLen) {
        byte[] kb = keys.bytes();
        byte scp03i = settings[SCP03_I];
        short keyLen = keys.length(enc);
        state[PROTOCOL] = 3;
        state[I] = scp03i;
        state[KEY_LENGTH] = (byte) keyLen;
        if ((scp03i & I03_PSEUDO_RANDOM) != 0) {
            // Each challenge uses the next counter value, so none repeats (Amendment D §6.2.2.1).
            Util.arrayCopyNonAtomic(counters, (short) 2, tmp, (short) 0, (short) 3);
            for (short k = 2; k >= 0; k--) {
                tmp[k]++;
                if (tmp[k] != 0) {
                    break;
                }
            }
            Util.arrayCopy(tmp, (short) 0, counters, (short) 2, (short) 3);
            Util.arrayCopyNonAtomic(tmp, (short) 0, sequence, (short) 0, (short) 3);
            Util.arrayCopyNonAtomic(sequence, (short) 0, work, (short) 0, (short) 3);
            Util.arrayCopyNonAtomic(aid, aidOff, work, (short) 3, aidLen);
            kdf(kb, keys.valueOffset(enc), keyLen, DERIVE_CARD_CHALLENGE, (short) 64, work,
                    (short) 0, (short) (3 + aidLen), context, (short) 8);
        } else {
            random.generateData(context, (short) 8, (short) 8);
        }
        short bits = (short) (keyLen * 8);
        kdf(kb, keys.valueOffset(enc), keyLen, DERIVE_S_ENC, bits, context, (short) 0, (short) 16,
                sk, SK_ENC);
        kdf(kb, keys.valueOffset(mk), keyLen, DERIVE_S_MAC, bits, context, (short) 0, (short) 16,
                sk, SK_MAC);
        kdf(kb, keys.valueOffset(mk), keyLen, DERIVE_S_RMAC, bits, context, (short) 0, (short) 16,
                sk, SK_RMAC);
        Util.arrayCopyNonAtomic(kdd, (short) 0, buf, (short) 0, (short) 10);
        buf[10] = state[KVN];
        buf[11] = 0x03;
        buf[12] = scp03i;
        Util.arrayCopyNonAtomic(context, (short) 8, buf, (short) 13, (short) 8);
        kdf(sk, SK_MAC, keyLen, DERIVE_CARD_CRYPTOGRAM, (short) 64, context, (short) 0,
                (short) 16, buf, (short) 21);
        if ((scp03i & I03_PSEUDO_RANDOM) != 0) {
            Util.arrayCopyNonAtomic(sequence, (short) 0, buf, (short) 29, (short) 3);
            return 32;
        }
        return 29;
    }

    /**
     * EXTERNAL AUTHENTICATE (GP CS 2.3.1 §11.9): P1 the security level, data the host
     * cryptogram and the command's C-MAC. A wrong cryptogram or MAC counts a failure, ends the
     * initiation and answers 6300.
     */
    void externalAuthenticate(byte[] buf, short lc) {
        if (state[PHASE] != INITIALIZED) {
            reset();
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        if ((buf[ISO7816.OFFSET_CLA] & 0x04) == 0 || lc != 16) {
            reset();
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        boolean ok;
        if (state[PROTOCOL] == 2) {
            ok = authenticate02(buf);
        } else {
            ok = authenticate03(buf);
        }
        if (!ok) {
            reset();
            if (settings[FAILURES] < MAX_FAILURES) {
                settings[FAILURES]++;
            }
            ISOException.throwIt(SW_AUTHENTICATION_FAILED);
        }
        byte level = buf[ISO7816.OFFSET_P1];
        if (!levelAllowed(level)) {
            reset();
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (settings[FAILURES] != 0) {
            settings[FAILURES] = 0;
        }
        if (state[PROTOCOL] == 2) {
            // The counter moves when, and only when, a session's first C-MAC was verified.
            Util.arrayCopyNonAtomic(counters, (short) 0, tmp, (short) 0, (short) 2);
            Util.setShort(tmp, (short) 0, (short) (Util.getShort(tmp, (short) 0) + 1));
            Util.arrayCopy(tmp, (short) 0, counters, (short) 0, (short) 2);
        }
        Util.arrayFillNonAtomic(counter, (short) 0, (short) 16, (byte) 0);
        state[LEVEL] = level;
        state[PHASE] = AUTHENTICATED;
    }

    private boolean levelAllowed(byte level) {
        switch (level) {
            case 0x00:
            case 0x01:
            case 0x03:
                return true;
            case 0x11:
            case 0x13:
                return state[PROTOCOL] == 3 && (state[I] & I03_R_MAC) != 0;
            case 0x33:
                return state[PROTOCOL] == 3 && (state[I] & I03_R_MAC) != 0
                        && (state[I] & I03_R_ENCRYPTION) != 0;
            default:
                return false;
        }
    }

    private boolean authenticate02(byte[] buf) {
        // Host cryptogram: MAC of sequence counter | card challenge | host challenge.
        Util.arrayCopyNonAtomic(context, (short) 8, work, (short) 0, (short) 8);
        Util.arrayCopyNonAtomic(context, (short) 0, work, (short) 8, (short) 8);
        short m = pad(work, (short) 16, (short) 8);
        des3Mac(SK_ENC, work, m);
        boolean ok = Util.arrayCompare(work, (short) (m - 8), buf, ISO7816.OFFSET_CDATA, (short) 8) == 0;
        // C-MAC of the modified header and the cryptogram, ICV zero.
        Util.arrayCopyNonAtomic(buf, (short) 0, work, (short) 0, (short) 13);
        m = pad(work, (short) 13, (short) 8);
        Util.arrayFillNonAtomic(tmp, (short) 0, (short) 8, (byte) 0);
        retailMac(work, m, tmp, (short) 0, chain, (short) 0);
        return Util.arrayCompare(chain, (short) 0, buf, (short) 13, (short) 8) == 0 && ok;
    }

    private boolean authenticate03(byte[] buf) {
        short keyLen = state[KEY_LENGTH];
        setAes(sk, SK_MAC, keyLen);
        cmac.init(aesKey(keyLen), Signature.MODE_SIGN);
        Util.arrayFillNonAtomic(chain, (short) 0, (short) 16, (byte) 0);
        cmac.update(chain, (short) 0, (short) 16);
        cmac.sign(buf, (short) 0, (short) 13, chain, (short) 0);
        boolean ok = Util.arrayCompare(chain, (short) 0, buf, (short) 13, (short) 8) == 0;
        kdf(sk, SK_MAC, keyLen, DERIVE_HOST_CRYPTOGRAM, (short) 64, context, (short) 0, (short) 16,
                work, (short) 0);
        return Util.arrayCompare(work, (short) 0, buf, ISO7816.OFFSET_CDATA, (short) 8) == 0 && ok;
    }

    // ------------------------------------------------------------------ messages

    /**
     * Unwraps a command that carries secure messaging (CLA bit '04'): checks its C-MAC,
     * decrypts its data at the C-DECRYPTION level, and leaves the plain command in {@code buf}
     * (CLA bit cleared, Lc the plain length). Returns the plain data length. Any failure ends
     * the session and answers 6982.
     */
    short unwrap(byte[] buf, short lc) {
        if (!requiresMac() || lc < 8) {
            reset();
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        short len;
        if (state[PROTOCOL] == 2) {
            len = unwrap02(buf, lc);
        } else {
            len = unwrap03(buf, lc);
        }
        if (len < 0) {
            reset();
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        buf[ISO7816.OFFSET_CLA] &= (byte) 0xFB;
        buf[ISO7816.OFFSET_LC] = (byte) len;
        state[WRAPPED] = 1;
        return len;
    }

    private short unwrap02(byte[] buf, short lc) {
        short len = (short) (lc - 8);
        Util.arrayCopyNonAtomic(buf, (short) (ISO7816.OFFSET_CDATA + len), tmp, (short) 0, (short) 8);
        if ((state[LEVEL] & C_DECRYPTION) != 0 && len > 0) {
            if ((len & 7) != 0) {
                return -1;
            }
            des16.setKey(sk, SK_ENC);
            desCbc.init(des16, Cipher.MODE_DECRYPT);
            desCbc.doFinal(buf, ISO7816.OFFSET_CDATA, len, buf, ISO7816.OFFSET_CDATA);
            len = unpad(buf, ISO7816.OFFSET_CDATA, len);
            if (len < 0) {
                return -1;
            }
        }
        // The C-MAC covers the modified header (Lc counting the plain data and the MAC).
        Util.arrayCopyNonAtomic(buf, (short) 0, work, (short) 0, (short) 4);
        work[4] = (byte) (len + 8);
        Util.arrayCopyNonAtomic(buf, ISO7816.OFFSET_CDATA, work, (short) 5, len);
        short m = pad(work, (short) (5 + len), (short) 8);
        Util.arrayCopyNonAtomic(chain, (short) 0, tmp, (short) 8, (short) 8);
        if ((state[I] & I02_ICV_ENCRYPTION) != 0) {
            des8.setKey(sk, SK_MAC);
            desEcb.init(des8, Cipher.MODE_ENCRYPT);
            desEcb.doFinal(tmp, (short) 8, (short) 8, tmp, (short) 8);
        }
        retailMac(work, m, tmp, (short) 8, tmp, (short) 16);
        if (Util.arrayCompare(tmp, (short) 0, tmp, (short) 16, (short) 8) != 0) {
            return -1;
        }
        Util.arrayCopyNonAtomic(tmp, (short) 16, chain, (short) 0, (short) 8);
        return len;
    }

    private short unwrap03(byte[] buf, short lc) {
        short len = (short) (lc - 8);
        short keyLen = state[KEY_LENGTH];
        setAes(sk, SK_MAC, keyLen);
        cmac.init(aesKey(keyLen), Signature.MODE_SIGN);
        cmac.update(chain, (short) 0, (short) 16);
        cmac.sign(buf, (short) 0, (short) (ISO7816.OFFSET_CDATA + len), mac, (short) 0);
        if (Util.arrayCompare(mac, (short) 0, buf, (short) (ISO7816.OFFSET_CDATA + len), (short) 8) != 0) {
            return -1;
        }
        Util.arrayCopyNonAtomic(mac, (short) 0, chain, (short) 0, (short) 16);
        if ((state[LEVEL] & C_DECRYPTION) != 0) {
            // The counter counts every command of the session, with or without data.
            for (short k = 15; k >= 0; k--) {
                counter[k]++;
                if (counter[k] != 0) {
                    break;
                }
            }
            if (len > 0) {
                if ((len & 15) != 0) {
                    return -1;
                }
                Util.arrayCopyNonAtomic(counter, (short) 0, tmp, (short) 0, (short) 16);
                icv03(keyLen);
                aesCbc.init(aesKey(keyLen), Cipher.MODE_DECRYPT, tmp, (short) 16, (short) 16);
                aesCbc.doFinal(buf, ISO7816.OFFSET_CDATA, len, buf, ISO7816.OFFSET_CDATA);
                len = unpad(buf, ISO7816.OFFSET_CDATA, len);
            }
        }
        return len;
    }

    /** tmp[16..32] = AES(S-ENC, tmp[0..16]), the ICV of a C-DECRYPTION or R-ENCRYPTION. */
    private void icv03(short keyLen) {
        setAes(sk, SK_ENC, keyLen);
        aesEcb.init(aesKey(keyLen), Cipher.MODE_ENCRYPT);
        aesEcb.doFinal(tmp, (short) 0, (short) 16, tmp, (short) 16);
    }

    /**
     * Whether {@code sw} is a warning (62xx, 63xx): like 9000 it ends a processed command, so
     * its response is protected (Amendment D §6.2.5).
     */
    static boolean isWarning(short sw) {
        byte sw1 = (byte) (sw >> 8);
        return sw1 == 0x62 || sw1 == 0x63;
    }

    /**
     * Wraps the response of a command that was unwrapped, at the session's R-MAC and
     * R-ENCRYPTION levels (SCP03): the {@code len} bytes of data at offset 0 of {@code buf} are
     * encrypted, and the R-MAC of data and {@code sw} is appended. Returns the new length.
     */
    short wrap(byte[] buf, short len, short sw) {
        if (state[WRAPPED] == 0 || state[PROTOCOL] != 3 || (state[LEVEL] & R_MAC) == 0) {
            return len;
        }
        short keyLen = state[KEY_LENGTH];
        if ((state[LEVEL] & R_ENCRYPTION) != 0 && len > 0) {
            len = pad(buf, len, (short) 16);
            Util.arrayCopyNonAtomic(counter, (short) 0, tmp, (short) 0, (short) 16);
            tmp[0] = (byte) 0x80;
            icv03(keyLen);
            aesCbc.init(aesKey(keyLen), Cipher.MODE_ENCRYPT, tmp, (short) 16, (short) 16);
            aesCbc.doFinal(buf, (short) 0, len, buf, (short) 0);
        }
        setAes(sk, SK_RMAC, keyLen);
        cmac.init(aesKey(keyLen), Signature.MODE_SIGN);
        cmac.update(chain, (short) 0, (short) 16);
        if (len > 0) {
            cmac.update(buf, (short) 0, len);
        }
        Util.setShort(tmp, (short) 0, sw);
        cmac.sign(tmp, (short) 0, (short) 2, mac, (short) 0);
        Util.arrayCopyNonAtomic(mac, (short) 0, buf, len, (short) 8);
        return (short) (len + 8);
    }

    // ------------------------------------------------------------------ keys

    /**
     * Decrypts a key value of PUT KEY: SCP02 with the session DEK in triple DES ECB, SCP03 with
     * the key set's static DEK in AES CBC (ICV zero). 6A80 for a length that is not a whole
     * number of blocks.
     */
    void decryptKey(byte[] src, short off, short len, byte[] dst, short dstOff) {
        if (state[PHASE] != AUTHENTICATED) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        if (state[PROTOCOL] == 2) {
            if ((len & 7) != 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            des16.setKey(sk, SK_DEK);
            desEcb.init(des16, Cipher.MODE_DECRYPT);
            desEcb.doFinal(src, off, len, dst, dstOff);
        } else {
            if ((len & 15) != 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            short dek = keys.find(state[KVN], KeyStore.ID_DEK);
            if (dek < 0) {
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            short dekLen = keys.length(dek);
            setAes(keys.bytes(), keys.valueOffset(dek), dekLen);
            aesCbc.init(aesKey(dekLen), Cipher.MODE_DECRYPT);
            aesCbc.doFinal(src, off, len, dst, dstOff);
        }
    }

    /**
     * Encrypts or decrypts {@code len} bytes of data in place with the session's DEK, as
     * {@link #decryptKey} uses it; no padding. 6985 without a session, 6700 for a length
     * that is not whole blocks. Returns the length.
     */
    short cryptData(byte[] buf, short off, short len, boolean encrypt) {
        if (state[PHASE] != AUTHENTICATED) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        byte mode = encrypt ? Cipher.MODE_ENCRYPT : Cipher.MODE_DECRYPT;
        if (state[PROTOCOL] == 2) {
            if ((len & 7) != 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
            }
            des16.setKey(sk, SK_DEK);
            desEcb.init(des16, mode);
            desEcb.doFinal(buf, off, len, buf, off);
            return len;
        }
        if ((len & 15) != 0) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short dek = keys.find(state[KVN], KeyStore.ID_DEK);
        if (dek < 0) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        short dekLen = keys.length(dek);
        setAes(keys.bytes(), keys.valueOffset(dek), dekLen);
        aesCbc.init(aesKey(dekLen), mode);
        aesCbc.doFinal(buf, off, len, buf, off);
        return len;
    }

    /**
     * Writes the 3-byte key check value of a key (GP CS 2.3.1 §B.1.3, Amendment D §6.3.1): DES,
     * the key encrypting 8 bytes '00'; AES, the key encrypting 16 bytes '01'.
     */
    void checkValue(byte type, byte[] key, short off, short len, byte[] out, short outOff) {
        if (type == KeyStore.TYPE_DES) {
            Util.arrayFillNonAtomic(tmp, (short) 0, (short) 8, (byte) 0);
            des16.setKey(key, off);
            desEcb.init(des16, Cipher.MODE_ENCRYPT);
            desEcb.doFinal(tmp, (short) 0, (short) 8, tmp, (short) 16);
        } else {
            Util.arrayFillNonAtomic(tmp, (short) 0, (short) 16, (byte) 1);
            setAes(key, off, len);
            aesEcb.init(aesKey(len), Cipher.MODE_ENCRYPT);
            aesEcb.doFinal(tmp, (short) 0, (short) 16, tmp, (short) 16);
        }
        Util.arrayCopyNonAtomic(tmp, (short) 16, out, outOff, (short) 3);
    }

    // ------------------------------------------------------------------ primitives

    private AESKey aesKey(short len) {
        if (len == 16) {
            return aes16;
        }
        return len == 24 ? aes24 : aes32;
    }

    private void setAes(byte[] key, short off, short len) {
        aesKey(len).setKey(key, off);
    }

    /** SCP02 session key: triple DES CBC of constant | sequence counter | zeros (§E.4.1). */
    private void derive02(byte[] key, short off, byte constant, short out) {
        Util.arrayFillNonAtomic(tmp, (short) 0, (short) 16, (byte) 0);
        tmp[0] = 0x01;
        tmp[1] = constant;
        Util.arrayCopyNonAtomic(sequence, (short) 0, tmp, (short) 2, (short) 2);
        des16.setKey(key, off);
        desCbc.init(des16, Cipher.MODE_ENCRYPT);
        desCbc.doFinal(tmp, (short) 0, (short) 16, sk, out);
    }

    /**
     * The SCP03 data derivation function (Amendment D §4.1.5): NIST SP 800-108 KDF in counter
     * mode with AES-CMAC, the input being an 11-byte zero label, the derivation constant, a zero
     * separator, L (the output length in bits), the counter i and the context.
     */
    private void kdf(byte[] key, short keyOff, short keyLen, byte constant, short bits,
            byte[] ctx, short ctxOff, short ctxLen, byte[] out, short outOff) {
        setAes(key, keyOff, keyLen);
        cmac.init(aesKey(keyLen), Signature.MODE_SIGN);
        Util.arrayFillNonAtomic(tmp, (short) 0, (short) 16, (byte) 0);
        tmp[11] = constant;
        Util.setShort(tmp, (short) 13, bits);
        Util.arrayCopyNonAtomic(ctx, ctxOff, tmp, (short) 16, ctxLen);
        short left = (short) (bits >> 3);
        byte i = 1;
        while (left > 0) {
            tmp[15] = i;
            cmac.sign(tmp, (short) 0, (short) (16 + ctxLen), mac, (short) 0);
            short n = left < 16 ? left : 16;
            Util.arrayCopyNonAtomic(mac, (short) 0, out, outOff, n);
            outOff += n;
            left -= n;
            i++;
        }
    }

    /**
     * The full triple DES MAC of GP CS §B.1.2.1 over {@code len} padded bytes of {@code msg}
     * (ICV zero) with session key {@code key}: left in the last 8 bytes of {@code msg}.
     */
    private void des3Mac(short key, byte[] msg, short len) {
        des16.setKey(sk, key);
        desCbc.init(des16, Cipher.MODE_ENCRYPT);
        desCbc.doFinal(msg, (short) 0, len, msg, (short) 0);
    }

    /**
     * The SCP02 C-MAC (ISO 9797-1 MAC algorithm 3, GP CS §B.1.2.2) of {@code len} padded bytes
     * of {@code msg} with S-MAC and the given ICV: single DES CBC with the key's first half over
     * all blocks but the last, triple DES for the last. {@code msg} is overwritten.
     */
    private void retailMac(byte[] msg, short len, byte[] icv, short icvOff, byte[] out, short outOff) {
        byte[] h = icv;
        short hOff = icvOff;
        if (len > 8) {
            des8.setKey(sk, SK_MAC);
            desCbc.init(des8, Cipher.MODE_ENCRYPT, icv, icvOff, (short) 8);
            desCbc.doFinal(msg, (short) 0, (short) (len - 8), msg, (short) 0);
            h = msg;
            hOff = (short) (len - 16);
        }
        for (short k = 0; k < 8; k++) {
            tmp[(short) (32 + k)] = (byte) (msg[(short) (len - 8 + k)] ^ h[(short) (hOff + k)]);
        }
        des16.setKey(sk, SK_MAC);
        desEcb.init(des16, Cipher.MODE_ENCRYPT);
        desEcb.doFinal(tmp, (short) 32, (short) 8, out, outOff);
    }

    /** ISO 9797-1 padding method 2 to a multiple of {@code block} (8 or 16); new length. */
    static short pad(byte[] buf, short len, short block) {
        buf[len++] = (byte) 0x80;
        while ((len & (short) (block - 1)) != 0) {
            buf[len++] = 0;
        }
        return len;
    }

    /** Removes ISO 9797-1 method 2 padding; the unpadded length, or -1 when there is none. */
    private static short unpad(byte[] buf, short off, short len) {
        short p = (short) (off + len - 1);
        while (p >= off && buf[p] == 0) {
            p--;
        }
        if (p < off || buf[p] != (byte) 0x80) {
            return -1;
        }
        return (short) (p - off);
    }
}
