package jcos.tests.maciv;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;
import javacard.security.AESKey;
import javacard.security.CryptoException;
import javacard.security.DESKey;
import javacard.security.Key;
import javacard.security.KeyBuilder;
import javacard.security.Signature;

/**
 * Computes a MAC from an initial vector. Command data: key, IV, message, their lengths in
 * P1 (key) and P2 (IV). INS 10: ALG_DES_MAC8_NOPAD with an 8-byte DES key; INS 11:
 * ALG_DES_MAC8_ISO9797_1_M2_ALG3 with a 16-byte key; INS 12: ALG_AES_MAC_128_NOPAD with a
 * 16-byte AES key. A CryptoException answers 6Fxx with its reason in the low byte.
 */
public class MacIv extends Applet {
    private final DESKey des;
    private final DESKey des2;
    private final AESKey aes;
    private final Signature desMac;
    private final Signature retailMac;
    private final Signature aesMac;

    private MacIv() {
        des = (DESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_DES, KeyBuilder.LENGTH_DES, false);
        des2 = (DESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_DES, KeyBuilder.LENGTH_DES3_2KEY, false);
        aes = (AESKey) KeyBuilder.buildKey(KeyBuilder.TYPE_AES, KeyBuilder.LENGTH_AES_128, false);
        desMac = Signature.getInstance(Signature.ALG_DES_MAC8_NOPAD, false);
        retailMac = Signature.getInstance(Signature.ALG_DES_MAC8_ISO9797_1_M2_ALG3, false);
        aesMac = Signature.getInstance(Signature.ALG_AES_MAC_128_NOPAD, false);
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new MacIv().register();
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        short keyLen = (short) (buf[ISO7816.OFFSET_P1] & 0xFF);
        short ivLen = (short) (buf[ISO7816.OFFSET_P2] & 0xFF);
        Key key;
        Signature mac;
        switch (buf[ISO7816.OFFSET_INS]) {
            case 0x10:
                key = des;
                mac = desMac;
                break;
            case 0x11:
                key = des2;
                mac = retailMac;
                break;
            case 0x12:
                key = aes;
                mac = aesMac;
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
                return;
        }
        short len = apdu.setIncomingAndReceive();
        short off = ISO7816.OFFSET_CDATA;
        short ivOff = (short) (off + keyLen);
        short msgOff = (short) (ivOff + ivLen);
        short msgLen = (short) (len - keyLen - ivLen);
        try {
            if (key == aes) {
                aes.setKey(buf, off);
            } else {
                ((DESKey) key).setKey(buf, off);
            }
            mac.init(key, Signature.MODE_SIGN, buf, ivOff, ivLen);
            short n = mac.sign(buf, msgOff, msgLen, buf, (short) 0);
            apdu.setOutgoingAndSend((short) 0, n);
        } catch (CryptoException e) {
            ISOException.throwIt((short) (0x6F00 | e.getReason()));
        }
    }
}
