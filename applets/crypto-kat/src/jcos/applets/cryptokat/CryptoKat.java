package jcos.applets.cryptokat;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.AESKey;
import javacard.security.Checksum;
import javacard.security.CryptoException;
import javacard.security.DESKey;
import javacard.security.ECKey;
import javacard.security.ECPrivateKey;
import javacard.security.ECPublicKey;
import javacard.security.HMACKey;
import javacard.security.Key;
import javacard.security.KeyAgreement;
import javacard.security.KeyBuilder;
import javacard.security.KeyPair;
import javacard.security.MessageDigest;
import javacard.security.PrivateKey;
import javacard.security.RSAPrivateCrtKey;
import javacard.security.RSAPrivateKey;
import javacard.security.RSAPublicKey;
import javacard.security.RandomData;
import javacard.security.Signature;
import javacard.security.SignatureMessageRecovery;
import javacardx.crypto.AEADCipher;
import javacardx.crypto.Cipher;

/**
 * Runs the Java Card crypto API on the data a terminal sends, for known-answer tests and for
 * `jcos bench crypto`. CLA 0x80. Every command but APPEND and RANDOM works on its input: the
 * bytes staged by earlier APPEND commands followed by its own data; the staging is emptied by
 * each such command.
 *
 * <ul>
 *   <li>APPEND (INS 02): stage the command data.</li>
 *   <li>KEY (INS 10): P1 a key slot, P2 a component; the input is the value.</li>
 *   <li>DIGEST (INS 20): P1 a MessageDigest algorithm; answers the hash.</li>
 *   <li>CHECKSUM (INS 22): P1 a Checksum algorithm; answers the checksum.</li>
 *   <li>RANDOM (INS 24): P1 a RandomData algorithm; answers P2 random bytes, then 01 if a second
 *       draw differs from the first.</li>
 *   <li>SIGN (INS 30): P1 a Signature algorithm, P2 a key slot; answers the signature.</li>
 *   <li>VERIFY (INS 32): P1 a Signature algorithm, P2 a key slot; the input is a two-byte
 *       message length, the message and the signature; answers 01 (valid) or 00.</li>
 *   <li>SIGN_VERIFY (INS 34): P1 a Signature algorithm, P2 the signing slot (high nibble) and
 *       the verifying slot (low nibble); signs the input, then answers whether the signature
 *       verifies (01) and whether it verifies for the input with its first bit flipped (00).</li>
 *   <li>RECOVERY (INS 36): P1 a message-recovery Signature algorithm, P2 the signing slot (high
 *       nibble) and the verifying slot (low nibble); signs the input with
 *       SignatureMessageRecovery, recovers the message from the signature and verifies the
 *       rest; answers the two-byte recoverable length, then 01 if beginVerify recovered those
 *       bytes, 01 if verify accepts the rest, and 00 if it refuses the rest with a byte
 *       added.</li>
 *   <li>CIPHER (INS 40): P1 a Cipher algorithm, P2 a key slot, plus 80 to encrypt; the input is a
 *       one-byte IV length, the IV (none: init without one) and the data; answers the result.</li>
 *   <li>AEAD (INS 44): P1 an AEADCipher algorithm, P2 the Cipher mode (01 decrypt, 02 encrypt);
 *       the input is a one-byte nonce length, the nonce, a one-byte AAD length, the AAD, a
 *       one-byte tag length and the data (followed by the tag when decrypting); answers the
 *       ciphertext and tag, or the plaintext and 01 if the tag verifies (00 if not).</li>
 *   <li>AGREE (INS 50): P1 a KeyAgreement algorithm, P2 a private key slot; the input is the
 *       other party's public value; answers the secret.</li>
 *   <li>GEN_PAIR (INS 56): P1 a KeyPair algorithm (01 RSA, 02 RSA CRT, 05 EC over F(p)); the
 *       input is the two-byte key length; generates a key pair into the public slot (04 or 08)
 *       and the private slot (05, 06 or 07) and answers the public key's size.</li>
 *   <li>BENCH (INS 70): P1 the operation (01 AES-128 CBC encryption, 02 SHA-256, 03 RSA sign
 *       with SHA-256 PKCS#1, 04 RSA verify of the signature made last, 05 ECDSA P-256 sign
 *       with SHA-256), P2 the key slot; the input is a two-byte count and the data (for 04, the
 *       message and its 256-byte signature); runs the operation count times over the data and
 *       answers the last result.</li>
 * </ul>
 *
 * Key slots: 01 AES, 02 DES, 03 HMAC (the value's length is the key's), 04 RSA public (P2 01
 * modulus, which sets the size, 02 exponent), 05 RSA private (likewise), 06 RSA CRT private (P2
 * 03 P, which sets the size, 04 Q, 05 DP1, 06 DQ1, 07 PQ), 07 EC P-256 private (the scalar
 * S), 08 EC P-256 public (the point W), 09 EC public and 0A EC private on the curve key pair
 * generation takes by default for the size the point or scalar implies (224, 256, 384 or 521
 * bits). A CryptoException with reason R answers SW 6F0R.
 */
public class CryptoKat extends Applet {
    private static final byte CLA = (byte) 0x80;
    private static final byte INS_APPEND = 0x02;
    private static final byte INS_KEY = 0x10;
    private static final byte INS_DIGEST = 0x20;
    private static final byte INS_CHECKSUM = 0x22;
    private static final byte INS_RANDOM = 0x24;
    private static final byte INS_SIGN = 0x30;
    private static final byte INS_VERIFY = 0x32;
    private static final byte INS_SIGN_VERIFY = 0x34;
    private static final byte INS_RECOVERY = 0x36;
    private static final byte INS_CIPHER = 0x40;
    private static final byte INS_AEAD = 0x44;
    private static final byte INS_AGREE = 0x50;
    private static final byte INS_GEN_PAIR = 0x56;
    private static final byte INS_BENCH = 0x70;

    private static final byte SLOT_AES = 1;
    private static final byte SLOT_DES = 2;
    private static final byte SLOT_HMAC = 3;
    private static final byte SLOT_RSA_PUBLIC = 4;
    private static final byte SLOT_RSA_PRIVATE = 5;
    private static final byte SLOT_RSA_CRT = 6;
    private static final byte SLOT_EC_PRIVATE = 7;
    private static final byte SLOT_EC_PUBLIC = 8;
    private static final byte SLOT_EC_PUBLIC_SIZED = 9;
    private static final byte SLOT_EC_PRIVATE_SIZED = 10;
    private static final short SLOTS = 11;

    private static final short BUFFER = 1024;

    /** The domain parameters of NIST P-256 (FIPS 186-4 D.1.2.3). */
    private static final byte[] P256_P = {
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF
    };
    private static final byte[] P256_A = {
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFC
    };
    private static final byte[] P256_B = {
        0x5A, (byte) 0xC6, 0x35, (byte) 0xD8, (byte) 0xAA, 0x3A, (byte) 0x93, (byte) 0xE7,
        (byte) 0xB3, (byte) 0xEB, (byte) 0xBD, 0x55, 0x76, (byte) 0x98, (byte) 0x86, (byte) 0xBC,
        0x65, 0x1D, 0x06, (byte) 0xB0, (byte) 0xCC, 0x53, (byte) 0xB0, (byte) 0xF6,
        0x3B, (byte) 0xCE, 0x3C, 0x3E, 0x27, (byte) 0xD2, 0x60, 0x4B
    };
    private static final byte[] P256_G = {
        0x04,
        0x6B, 0x17, (byte) 0xD1, (byte) 0xF2, (byte) 0xE1, 0x2C, 0x42, 0x47,
        (byte) 0xF8, (byte) 0xBC, (byte) 0xE6, (byte) 0xE5, 0x63, (byte) 0xA4, 0x40, (byte) 0xF2,
        0x77, 0x03, 0x7D, (byte) 0x81, 0x2D, (byte) 0xEB, 0x33, (byte) 0xA0,
        (byte) 0xF4, (byte) 0xA1, 0x39, 0x45, (byte) 0xD8, (byte) 0x98, (byte) 0xC2, (byte) 0x96,
        0x4F, (byte) 0xE3, 0x42, (byte) 0xE2, (byte) 0xFE, 0x1A, 0x7F, (byte) 0x9B,
        (byte) 0x8E, (byte) 0xE7, (byte) 0xEB, 0x4A, 0x7C, 0x0F, (byte) 0x9E, 0x16,
        0x2B, (byte) 0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, (byte) 0xCE,
        (byte) 0xCB, (byte) 0xB6, 0x40, 0x68, 0x37, (byte) 0xBF, 0x51, (byte) 0xF5
    };
    private static final byte[] P256_N = {
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00, 0x00, 0x00, 0x00,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
        (byte) 0xBC, (byte) 0xE6, (byte) 0xFA, (byte) 0xAD, (byte) 0xA7, 0x17, (byte) 0x9E, (byte) 0x84,
        (byte) 0xF3, (byte) 0xB9, (byte) 0xCA, (byte) 0xC2, (byte) 0xFC, 0x63, 0x25, 0x51
    };

    private final Key[] keys;
    private final byte[] in;
    private final byte[] out;
    private final short[] staged;
    private final short[] recoverable;

    private MessageDigest digest;
    private Signature signature;
    private Cipher cipher;
    private Checksum checksum;
    private KeyAgreement agreement;
    private RandomData random;

    private CryptoKat() {
        keys = new Key[SLOTS];
        in = JCSystem.makeTransientByteArray(BUFFER, JCSystem.CLEAR_ON_RESET);
        out = JCSystem.makeTransientByteArray(BUFFER, JCSystem.CLEAR_ON_RESET);
        staged = JCSystem.makeTransientShortArray((short) 1, JCSystem.CLEAR_ON_RESET);
        recoverable = JCSystem.makeTransientShortArray((short) 1, JCSystem.CLEAR_ON_RESET);
        ECPrivateKey ecPrivate = (ECPrivateKey) KeyBuilder.buildKey(
                KeyBuilder.TYPE_EC_FP_PRIVATE, KeyBuilder.LENGTH_EC_FP_256, false);
        p256(ecPrivate);
        keys[SLOT_EC_PRIVATE] = ecPrivate;
        ECPublicKey ecPublic = (ECPublicKey) KeyBuilder.buildKey(
                KeyBuilder.TYPE_EC_FP_PUBLIC, KeyBuilder.LENGTH_EC_FP_256, false);
        p256(ecPublic);
        keys[SLOT_EC_PUBLIC] = ecPublic;
    }

    private static void p256(ECKey key) {
        key.setFieldFP(P256_P, (short) 0, (short) P256_P.length);
        key.setA(P256_A, (short) 0, (short) P256_A.length);
        key.setB(P256_B, (short) 0, (short) P256_B.length);
        key.setG(P256_G, (short) 0, (short) P256_G.length);
        key.setR(P256_N, (short) 0, (short) P256_N.length);
        key.setK((short) 1);
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new CryptoKat().register();
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
        byte p1 = buf[ISO7816.OFFSET_P1];
        byte p2 = buf[ISO7816.OFFSET_P2];
        short len;
        try {
            if (ins == INS_RANDOM) {
                len = random(p1, p2);
            } else {
                short n = apdu.setIncomingAndReceive();
                short have = staged[0];
                if ((short) (BUFFER - have) < n) {
                    staged[0] = 0;
                    ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
                }
                Util.arrayCopyNonAtomic(buf, ISO7816.OFFSET_CDATA, in, have, n);
                have = (short) (have + n);
                if (ins == INS_APPEND) {
                    staged[0] = have;
                    return;
                }
                staged[0] = 0;
                len = run(ins, p1, p2, have);
            }
        } catch (CryptoException e) {
            ISOException.throwIt((short) (0x6F00 | e.getReason()));
            return;
        }
        if (len > 256) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        Util.arrayCopyNonAtomic(out, (short) 0, buf, (short) 0, len);
        apdu.setOutgoingAndSend((short) 0, len);
    }

    private short run(byte ins, byte p1, byte p2, short n) {
        switch (ins) {
            case INS_KEY:
                setKey(p1, p2, n);
                return 0;
            case INS_DIGEST: {
                MessageDigest md = digest(p1);
                short half = (short) (n / 2);
                md.update(in, (short) 0, half);
                return md.doFinal(in, half, (short) (n - half), out, (short) 0);
            }
            case INS_CHECKSUM: {
                if (checksum == null || checksum.getAlgorithm() != p1) {
                    checksum = Checksum.getInstance(p1, false);
                }
                return checksum.doFinal(in, (short) 0, n, out, (short) 0);
            }
            case INS_SIGN: {
                Signature s = signature(p1);
                s.init(key(p2), Signature.MODE_SIGN);
                return s.sign(in, (short) 0, n, out, (short) 0);
            }
            case INS_VERIFY: {
                Signature s = signature(p1);
                s.init(key(p2), Signature.MODE_VERIFY);
                short m = Util.getShort(in, (short) 0);
                if (m < 0 || m > (short) (n - 2)) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                short sigOff = (short) (2 + m);
                out[0] = s.verify(in, (short) 2, m, in, sigOff, (short) (n - sigOff)) ? (byte) 1 : (byte) 0;
                return 1;
            }
            case INS_SIGN_VERIFY:
                return signVerify(p1, p2, n);
            case INS_RECOVERY:
                return recovery(p1, p2, n);
            case INS_CIPHER:
                return cipher(p1, p2, n);
            case INS_AEAD:
                return aead(p1, p2, n);
            case INS_AGREE: {
                if (agreement == null || agreement.getAlgorithm() != p1) {
                    agreement = KeyAgreement.getInstance(p1, false);
                }
                agreement.init((PrivateKey) key(p2));
                return agreement.generateSecret(in, (short) 0, n, out, (short) 0);
            }
            case INS_GEN_PAIR:
                return generate(p1, Util.getShort(in, (short) 0));
            case INS_BENCH:
                return bench(p1, p2, n);
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
                return 0;
        }
    }

    private MessageDigest digest(byte alg) {
        if (digest == null || digest.getAlgorithm() != alg) {
            digest = MessageDigest.getInstance(alg, false);
        }
        return digest;
    }

    private Signature signature(byte alg) {
        if (signature == null || signature.getAlgorithm() != alg) {
            signature = Signature.getInstance(alg, false);
        }
        return signature;
    }

    private Cipher cipherFor(byte alg) {
        if (cipher == null || cipher.getAlgorithm() != alg) {
            cipher = Cipher.getInstance(alg, false);
        }
        return cipher;
    }

    private Key key(byte slot) {
        if (slot <= 0 || slot >= SLOTS || keys[slot] == null) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        return keys[slot];
    }

    /** A key of `type` and `bits` in `slot`, built anew when the slot holds another size. */
    private Key sized(byte slot, byte type, short bits) {
        Key k = keys[slot];
        if (k == null || k.getSize() != bits) {
            k = KeyBuilder.buildKey(type, bits, false);
            keys[slot] = k;
        }
        return k;
    }

    private void setKey(byte slot, byte part, short n) {
        short bits = (short) (n * 8);
        switch (slot) {
            case SLOT_AES:
                ((AESKey) sized(slot, KeyBuilder.TYPE_AES, bits)).setKey(in, (short) 0);
                return;
            case SLOT_DES:
                ((DESKey) sized(slot, KeyBuilder.TYPE_DES, bits)).setKey(in, (short) 0);
                return;
            case SLOT_HMAC: {
                HMACKey k = (HMACKey) sized(slot, KeyBuilder.TYPE_HMAC, KeyBuilder.LENGTH_HMAC_SHA_512_BLOCK_128);
                k.setKey(in, (short) 0, n);
                return;
            }
            case SLOT_RSA_PUBLIC:
                if (part == 1) {
                    ((RSAPublicKey) sized(slot, KeyBuilder.TYPE_RSA_PUBLIC, bits)).setModulus(in, (short) 0, n);
                } else {
                    ((RSAPublicKey) key(slot)).setExponent(in, (short) 0, n);
                }
                return;
            case SLOT_RSA_PRIVATE:
                if (part == 1) {
                    ((RSAPrivateKey) sized(slot, KeyBuilder.TYPE_RSA_PRIVATE, bits)).setModulus(in, (short) 0, n);
                } else {
                    ((RSAPrivateKey) key(slot)).setExponent(in, (short) 0, n);
                }
                return;
            case SLOT_RSA_CRT: {
                RSAPrivateCrtKey k;
                if (part == 3) {
                    k = (RSAPrivateCrtKey) sized(slot, KeyBuilder.TYPE_RSA_CRT_PRIVATE, (short) (bits * 2));
                } else {
                    k = (RSAPrivateCrtKey) key(slot);
                }
                switch (part) {
                    case 3: k.setP(in, (short) 0, n); return;
                    case 4: k.setQ(in, (short) 0, n); return;
                    case 5: k.setDP1(in, (short) 0, n); return;
                    case 6: k.setDQ1(in, (short) 0, n); return;
                    case 7: k.setPQ(in, (short) 0, n); return;
                    default: ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2); return;
                }
            }
            case SLOT_EC_PRIVATE:
                ((ECPrivateKey) key(slot)).setS(in, (short) 0, n);
                return;
            case SLOT_EC_PUBLIC:
                ((ECPublicKey) key(slot)).setW(in, (short) 0, n);
                return;
            case SLOT_EC_PUBLIC_SIZED:
                ((ECPublicKey) defaultCurve(slot, curveBits((short) ((short) (n - 1) / 2)))).setW(in, (short) 0, n);
                return;
            case SLOT_EC_PRIVATE_SIZED:
                ((ECPrivateKey) defaultCurve(slot, curveBits(n))).setS(in, (short) 0, n);
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
    }

    private short generate(byte alg, short bits) {
        KeyPair pair = new KeyPair(alg, bits);
        pair.genKeyPair();
        byte publicSlot = alg == KeyPair.ALG_EC_FP ? SLOT_EC_PUBLIC : SLOT_RSA_PUBLIC;
        byte privateSlot = alg == KeyPair.ALG_EC_FP ? SLOT_EC_PRIVATE
                : (alg == KeyPair.ALG_RSA ? SLOT_RSA_PRIVATE : SLOT_RSA_CRT);
        keys[publicSlot] = pair.getPublic();
        keys[privateSlot] = pair.getPrivate();
        Util.setShort(out, (short) 0, keys[publicSlot].getSize());
        return 2;
    }

    /**
     * An EC key of `bits` in `slot` (09 public, 0A private) with the domain parameters key pair
     * generation gives it when none are set: the default curve of that size.
     */
    private Key defaultCurve(byte slot, short bits) {
        Key k = keys[slot];
        if (k == null || k.getSize() != bits) {
            KeyPair pair = new KeyPair(KeyPair.ALG_EC_FP, bits);
            pair.genKeyPair();
            k = slot == SLOT_EC_PUBLIC_SIZED ? (Key) pair.getPublic() : (Key) pair.getPrivate();
            keys[slot] = k;
        }
        return k;
    }

    /** The size in bits of a curve whose field elements take `bytes` bytes. */
    private static short curveBits(short bytes) {
        return bytes == 66 ? KeyBuilder.LENGTH_EC_FP_521 : (short) (bytes * 8);
    }

    private short random(byte alg, byte p2) {
        short n = (short) (p2 & 0xFF);
        if (n == 0 || n > 255) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (random == null || random.getAlgorithm() != alg) {
            random = RandomData.getInstance(alg);
        }
        random.nextBytes(out, (short) 0, n);
        random.nextBytes(in, (short) 0, n);
        out[n] = Util.arrayCompare(out, (short) 0, in, (short) 0, n) != 0 ? (byte) 1 : (byte) 0;
        return (short) (n + 1);
    }

    private short signVerify(byte alg, byte slots, short n) {
        Signature s = signature(alg);
        s.init(key((byte) ((slots >> 4) & 0x0F)), Signature.MODE_SIGN);
        short sigOff = n;
        short sigLen = s.sign(in, (short) 0, n, in, sigOff);
        s.init(key((byte) (slots & 0x0F)), Signature.MODE_VERIFY);
        out[0] = s.verify(in, (short) 0, n, in, sigOff, sigLen) ? (byte) 1 : (byte) 0;
        in[0] ^= (byte) 0x80;
        out[1] = s.verify(in, (short) 0, n, in, sigOff, sigLen) ? (byte) 1 : (byte) 0;
        return 2;
    }

    private short recovery(byte alg, byte slots, short n) {
        SignatureMessageRecovery mr = (SignatureMessageRecovery) signature(alg);
        Key signing = key((byte) ((slots >> 4) & 0x0F));
        Key verifying = key((byte) (slots & 0x0F));
        mr.init(signing, Signature.MODE_SIGN);
        short sigLen = mr.sign(in, (short) 0, n, in, n, recoverable, (short) 0);
        short carried = recoverable[0];
        Util.setShort(out, (short) 0, carried);
        mr.init(verifying, Signature.MODE_VERIFY);
        short got = mr.beginVerify(in, n, sigLen);
        out[2] = got == carried && Util.arrayCompare(in, (short) 0, in, n, got) == 0 ? (byte) 1 : (byte) 0;
        out[3] = mr.verify(in, got, (short) (n - got)) ? (byte) 1 : (byte) 0;
        mr.init(signing, Signature.MODE_SIGN);
        sigLen = mr.sign(in, (short) 0, n, in, n, recoverable, (short) 0);
        mr.init(verifying, Signature.MODE_VERIFY);
        got = mr.beginVerify(in, n, sigLen);
        out[4] = mr.verify(in, got, (short) (n - got + 1)) ? (byte) 1 : (byte) 0;
        return 5;
    }

    private short cipher(byte alg, byte p2, short n) {
        Cipher c = cipherFor(alg);
        byte mode = (p2 & 0x80) != 0 ? Cipher.MODE_ENCRYPT : Cipher.MODE_DECRYPT;
        Key k = key((byte) (p2 & 0x7F));
        short ivLen = (short) (in[0] & 0xFF);
        if (ivLen == 0) {
            c.init(k, mode);
        } else {
            c.init(k, mode, in, (short) 1, ivLen);
        }
        short off = (short) (1 + ivLen);
        short len = (short) (n - off);
        // Half through update, the rest through doFinal, so that chaining across calls counts.
        short half = (short) (len / 2);
        short done = c.update(in, off, half, out, (short) 0);
        return (short) (done + c.doFinal(in, (short) (off + half), (short) (len - half), out, done));
    }

    private short aead(byte alg, byte mode, short n) {
        AEADCipher c = (AEADCipher) cipherFor(alg);
        short nonceLen = (short) (in[0] & 0xFF);
        short at = (short) (1 + nonceLen);
        short aadLen = (short) (in[at] & 0xFF);
        short aadOff = (short) (at + 1);
        at = (short) (aadOff + aadLen);
        short tagLen = (short) (in[at] & 0xFF);
        short dataOff = (short) (at + 1);
        short dataLen = (short) (n - dataOff);
        if (mode == Cipher.MODE_DECRYPT) {
            dataLen = (short) (dataLen - tagLen);
        }
        c.init(key(SLOT_AES), mode, in, (short) 1, nonceLen, aadLen, dataLen, tagLen);
        c.updateAAD(in, aadOff, aadLen);
        short len = c.doFinal(in, dataOff, dataLen, out, (short) 0);
        if (mode == Cipher.MODE_DECRYPT) {
            boolean ok = c.verifyTag(in, (short) (dataOff + dataLen), tagLen, tagLen);
            out[len] = ok ? (byte) 1 : (byte) 0;
            return (short) (len + 1);
        }
        return (short) (len + c.retrieveTag(out, len, tagLen));
    }

    private short bench(byte op, byte slot, short n) {
        short count = Util.getShort(in, (short) 0);
        short dataLen = (short) (n - 2);
        short len = 0;
        switch (op) {
            case 1: {
                Cipher c = cipherFor(Cipher.ALG_AES_BLOCK_128_CBC_NOPAD);
                c.init(key(slot), Cipher.MODE_ENCRYPT);
                for (short i = 0; i < count; i++) {
                    len = c.doFinal(in, (short) 2, dataLen, out, (short) 0);
                }
                return len;
            }
            case 2: {
                MessageDigest md = digest(MessageDigest.ALG_SHA_256);
                for (short i = 0; i < count; i++) {
                    len = md.doFinal(in, (short) 2, dataLen, out, (short) 0);
                }
                return len;
            }
            case 3:
            case 5: {
                Signature s = signature(op == 3 ? Signature.ALG_RSA_SHA_256_PKCS1 : Signature.ALG_ECDSA_SHA_256);
                s.init(key(slot), Signature.MODE_SIGN);
                for (short i = 0; i < count; i++) {
                    len = s.sign(in, (short) 2, dataLen, out, (short) 0);
                }
                return len;
            }
            case 4: {
                Signature s = signature(Signature.ALG_RSA_SHA_256_PKCS1);
                s.init(key(slot), Signature.MODE_VERIFY);
                short sigLen = (short) 256;
                for (short i = 0; i < count; i++) {
                    if (!s.verify(in, (short) 2, (short) (dataLen - sigLen), in, (short) (n - sigLen), sigLen)) {
                        ISOException.throwIt(ISO7816.SW_DATA_INVALID);
                    }
                }
                return 0;
            }
            default:
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
                return 0;
        }
    }
}
