package jcos.isd;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The security domain's static keys (GP CS 2.3.1 §11.1.8, key information): a fixed table of
 * slots, each one key with its key version number (KVN), key identifier (1 = ENC, 2 = MAC,
 * 3 = DEK for a secure channel key set), GP key type ('80' DES, '88' AES) and value. A key set
 * is the keys sharing a KVN; the order of the table is the order keys were added, so the first
 * key set is the one INITIALIZE UPDATE uses for KVN '00'.
 */
final class KeyStore {
    /** GP key type of a triple DES key. */
    static final byte TYPE_DES = (byte) 0x80;
    /** GP key type of an AES key. */
    static final byte TYPE_AES = (byte) 0x88;
    /** Key identifier of the encryption key of a secure channel key set. */
    static final byte ID_ENC = 1;
    /** Key identifier of the MAC key of a secure channel key set. */
    static final byte ID_MAC = 2;
    /** Key identifier of the data encryption key of a secure channel key set. */
    static final byte ID_DEK = 3;

    /** Version of the AES-128 key set shipped for SCP03. */
    static final byte KVN_SCP03 = 0x30;
    /** Version of the double-length DES key set shipped for SCP02. */
    static final byte KVN_SCP02 = 0x20;

    private static final short SLOTS = 12;
    private static final short SLOT = 36;
    private static final short KVN = 0;
    private static final short KID = 1;
    private static final short TYPE = 2;
    private static final short LEN = 3;
    private static final short VALUE = 4;

    /** The GlobalPlatform test key value every shipped key has. */
    private static final byte[] DEFAULT_KEY = {
        0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
        0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F
    };

    private final byte[] slots;

    KeyStore() {
        slots = new byte[(short) (SLOTS * SLOT)];
        for (byte id = ID_ENC; id <= ID_DEK; id++) {
            put(KVN_SCP03, id, TYPE_AES, DEFAULT_KEY, (short) 0, (short) 16);
        }
        for (byte id = ID_ENC; id <= ID_DEK; id++) {
            put(KVN_SCP02, id, TYPE_DES, DEFAULT_KEY, (short) 0, (short) 16);
        }
    }

    /** The array holding key values (read them at {@link #valueOffset}). */
    byte[] bytes() {
        return slots;
    }

    /** The offset of the slot holding key {@code kid} of key set {@code kvn}, or -1. */
    short find(byte kvn, byte kid) {
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] != 0 && slots[(short) (s + KVN)] == kvn
                    && slots[(short) (s + KID)] == kid) {
                return s;
            }
        }
        return -1;
    }

    /** Whether some key has version {@code kvn}. */
    boolean hasVersion(byte kvn) {
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] != 0 && slots[(short) (s + KVN)] == kvn) {
                return true;
            }
        }
        return false;
    }

    /** The version of the first key set in the table, 0 when there is none. */
    byte firstVersion() {
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] != 0) {
                return slots[(short) (s + KVN)];
            }
        }
        return 0;
    }

    /** GP key type of the key in slot {@code slot}. */
    byte type(short slot) {
        return slots[(short) (slot + TYPE)];
    }

    /** Length in bytes of the key in slot {@code slot}. */
    short length(short slot) {
        return (short) (slots[(short) (slot + LEN)] & 0xFF);
    }

    /** Offset in {@link #bytes} of the value of the key in slot {@code slot}. */
    short valueOffset(short slot) {
        return (short) (slot + VALUE);
    }

    /** Number of free slots. */
    short free() {
        short n = 0;
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] == 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Stores a key: replaces key {@code kid} of set {@code kvn} if it exists, else takes a free
     * slot; 6A84 when there is none.
     */
    void put(byte kvn, byte kid, byte type, byte[] src, short off, short len) {
        short slot = find(kvn, kid);
        if (slot < 0) {
            for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
                if (slots[(short) (s + TYPE)] == 0) {
                    slot = s;
                    break;
                }
            }
        }
        if (slot < 0) {
            ISOException.throwIt(ISO7816.SW_FILE_FULL);
        }
        slots[(short) (slot + KVN)] = kvn;
        slots[(short) (slot + KID)] = kid;
        slots[(short) (slot + TYPE)] = type;
        slots[(short) (slot + LEN)] = (byte) len;
        Util.arrayCopy(src, off, slots, (short) (slot + VALUE), len);
        // A plain loop, unlike arrayFillNonAtomic, takes part in PUT KEY's transaction.
        for (short i = (short) (slot + VALUE + len); i < (short) (slot + SLOT); i++) {
            slots[i] = 0;
        }
    }

    /** Gives every key of set {@code from} the version {@code to}. */
    void renumber(byte from, byte to) {
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] != 0 && slots[(short) (s + KVN)] == from) {
                slots[(short) (s + KVN)] = to;
            }
        }
    }

    /**
     * Writes the key information template (GET DATA 'E0', GP CS 2.3.1 §11.3.3.1): one 'C0'
     * key information data object per key: identifier, version, type, length.
     */
    short keyInformation(byte[] out, short off) {
        short p = (short) (off + 2);
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] != 0) {
                out[p++] = (byte) 0xC0;
                out[p++] = 4;
                out[p++] = slots[(short) (s + KID)];
                out[p++] = slots[(short) (s + KVN)];
                out[p++] = slots[(short) (s + TYPE)];
                out[p++] = slots[(short) (s + LEN)];
            }
        }
        out[off] = (byte) 0xE0;
        out[(short) (off + 1)] = (byte) (p - off - 2);
        return (short) (p - off);
    }

    /**
     * PUT KEY (GP CS 2.3.1 §11.8): adds a key set (P1 '00') or replaces keys of set P1, giving
     * the set the new version of the data field's first byte. P2 b7-b1 is the identifier of the
     * first key, b8 set when the field holds several keys (consecutive identifiers). Each key
     * is a key type, the encrypted key data (AES: its length first) and a key check value; the
     * values are decrypted by the secure channel ({@link SecureChannel#decryptKey}) and checked
     * against the check values. Answers the new version and the card's check values.
     */
    short putKey(byte[] buf, short off, short len, SecureChannel sc, byte[] work) {
        byte oldKvn = (byte) (buf[ISO7816.OFFSET_P1] & 0x7F);
        byte kid = (byte) (buf[ISO7816.OFFSET_P2] & 0x7F);
        if (kid == 0) {
            kid = 1;
        }
        short end = (short) (off + len);
        if (len < 1) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        byte newKvn = buf[off];
        if (newKvn <= 0) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        // Decrypt every key into work first: keys[n] = type, length, value (33 bytes each).
        short p = (short) (off + 1);
        short n = 0;
        while (p < end) {
            if (n == 3 || (short) (p + 2) > end) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            byte type = buf[p];
            short fieldLen = (short) (buf[(short) (p + 1)] & 0xFF);
            short data = (short) (p + 2);
            short next = (short) (data + fieldLen);
            if (next >= end) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            short keyLen;
            short cgram = data;
            short cgramLen = fieldLen;
            if (type == TYPE_DES) {
                // Double-length keys only: SCP02 has no use for single or triple-length ones.
                keyLen = 16;
                if (fieldLen != 16) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
            } else if (type == TYPE_AES) {
                if (fieldLen < 1) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                keyLen = (short) (buf[data] & 0xFF);
                cgram++;
                cgramLen--;
                if (keyLen != 16 && keyLen != 24 && keyLen != 32) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
            } else {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                return 0;
            }
            if (cgramLen < keyLen || cgramLen > 32) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            short slot = (short) (n * 34);
            work[slot] = type;
            work[(short) (slot + 1)] = (byte) keyLen;
            sc.decryptKey(buf, cgram, cgramLen, work, (short) (slot + 2));
            short kcvLen = (short) (buf[next] & 0xFF);
            if ((short) (next + 1 + kcvLen) > end || (kcvLen != 0 && kcvLen != 3)) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (kcvLen == 3) {
                sc.checkValue(type, work, (short) (slot + 2), keyLen, work, (short) 102);
                if (Util.arrayCompare(work, (short) 102, buf, (short) (next + 1), (short) 3) != 0) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
            }
            p = (short) (next + 1 + kcvLen);
            n++;
        }
        if (n == 0 || (n > 1 && (buf[ISO7816.OFFSET_P2] & 0x80) == 0) || (short) (kid + n) > 0x80) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        if (oldKvn == 0) {
            if (hasVersion(newKvn)) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (free() < n) {
                ISOException.throwIt(ISO7816.SW_FILE_FULL);
            }
        } else {
            if (!hasVersion(oldKvn)) {
                ISOException.throwIt(Isd.SW_REFERENCED_DATA_NOT_FOUND);
            }
            if (newKvn != oldKvn && hasVersion(newKvn)) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            short needed = 0;
            for (short k = 0; k < n; k++) {
                if (find(oldKvn, (byte) (kid + k)) < 0) {
                    needed++;
                }
            }
            if (free() < needed) {
                ISOException.throwIt(ISO7816.SW_FILE_FULL);
            }
        }
        byte target = oldKvn == 0 ? newKvn : oldKvn;
        JCSystem.beginTransaction();
        for (short k = 0; k < n; k++) {
            short slot = (short) (k * 34);
            put(target, (byte) (kid + k), work[slot], work, (short) (slot + 2),
                    (short) (work[(short) (slot + 1)] & 0xFF));
        }
        renumber(target, newKvn);
        JCSystem.commitTransaction();
        // Answer: the new version, then each key's check value as the card computes it.
        short r = 1;
        for (short k = 0; k < n; k++) {
            short slot = (short) (k * 34);
            sc.checkValue(work[slot], work, (short) (slot + 2), (short) (work[(short) (slot + 1)] & 0xFF),
                    buf, r);
            r += 3;
        }
        buf[0] = newKvn;
        Util.arrayFillNonAtomic(work, (short) 0, (short) 108, (byte) 0);
        return r;
    }

    /**
     * DELETE of keys (GP CS 2.3.1 §11.2.2.3): the data field holds 'D0' key identifier and/or
     * 'D2' key version number; every key matching all that are given is deleted. 6A88 when
     * none matches; 6985 when no key would remain. Answers '00'.
     */
    short delete(byte[] buf, short off, short len) {
        short end = (short) (off + len);
        short kid = -1;
        short kvn = -1;
        while (off < end) {
            if ((short) (off + 3) > end || buf[(short) (off + 1)] != 1) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (buf[off] == (byte) 0xD0) {
                kid = (short) (buf[(short) (off + 2)] & 0xFF);
            } else if (buf[off] == (byte) 0xD2) {
                kvn = (short) (buf[(short) (off + 2)] & 0xFF);
            } else {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            off += 3;
        }
        if (kid < 0 && kvn < 0) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        short matching = 0;
        short used = 0;
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] != 0) {
                used++;
                if (matches(s, kid, kvn)) {
                    matching++;
                }
            }
        }
        if (matching == 0) {
            ISOException.throwIt(Isd.SW_REFERENCED_DATA_NOT_FOUND);
        }
        if (matching == used) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        JCSystem.beginTransaction();
        for (short s = 0; s < (short) (SLOTS * SLOT); s += SLOT) {
            if (slots[(short) (s + TYPE)] != 0 && matches(s, kid, kvn)) {
                slots[(short) (s + TYPE)] = 0;
            }
        }
        JCSystem.commitTransaction();
        buf[0] = 0;
        return 1;
    }

    private boolean matches(short slot, short kid, short kvn) {
        return (kid < 0 || (slots[(short) (slot + KID)] & 0xFF) == kid)
                && (kvn < 0 || (slots[(short) (slot + KVN)] & 0xFF) == kvn);
    }
}
