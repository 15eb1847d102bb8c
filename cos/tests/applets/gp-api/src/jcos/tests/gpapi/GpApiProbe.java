package jcos.tests.gpapi;

import javacard.framework.AID;
import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Shareable;
import javacard.framework.Util;
import org.globalplatform.CVM;
import org.globalplatform.GPRegistryEntry;
import org.globalplatform.GPSystem;
import org.globalplatform.SecureChannel;

/**
 * Calls org.globalplatform with the command's data (CLA 0x80); booleans answer one byte
 * 00 or 01:
 * 10 GPSystem.getCardState(); 11 getCardContentState(); 12 setCardContentState(P1);
 * 13 lockCard(); 14 terminateCard(); 15 setATRHistBytes(data);
 * 20 getRegistryEntry(data as AID, null without data): state, privileges (getPrivileges
 *    must return 3 past its offset), AID length and bytes (getAID), or SW 6A88 for null;
 * 21 that entry's isPrivileged(P1); 22 its isAssociated(AID in the data after P2 bytes of
 *    entry AID); 23 its setState(P1); 24 its registerService(0x8211): the ISOException
 *    reason; 25 getService(null, 0x8211) is null; 26 getRegistryEntry(null) and
 *    getCVM(CVM_GLOBAL_PIN) answer the same objects twice;
 * 30 getCVM(P1) is not null;
 * 31 the global PIN's isActive, isSubmitted, isVerified, isBlocked, getTriesRemaining;
 * 32 update(data, format P1); 33 setTryLimit(P1); 34 verify(data, format P1), two bytes;
 * 35 resetState(); 36 blockState(); 37 resetAndUnblockState(); 38 verify as 34 inside a
 *    transaction that is then aborted;
 * 40 getSecureChannel(): 00 for null, else 01 and its getSecurityLevel();
 * 41 the client AID and parameter the last getShareableInterfaceObject call received.
 */
public class GpApiProbe extends Applet {
    private static final byte CLA = (byte) 0x80;
    private static final short SW_WRONG_OFFSET = (short) 0x6F02;

    private final Channel channel = new Channel();
    private final byte[] lastClient = new byte[17];
    private byte lastParameter;

    public static void install(byte[] params, short offset, byte length) {
        new GpApiProbe().register(params, (short) (offset + 1), params[offset]);
    }

    public Shareable getShareableInterfaceObject(AID client, byte parameter) {
        lastParameter = parameter;
        lastClient[0] = client == null ? 0 : client.getBytes(lastClient, (short) 1);
        return channel;
    }

    private static short bool(byte[] buf, boolean b) {
        buf[0] = b ? (byte) 1 : (byte) 0;
        return 1;
    }

    private static GPRegistryEntry entry(byte[] buf, short off, short len) {
        if (len == 0) {
            return GPSystem.getRegistryEntry(null);
        }
        AID aid = JCSystem.lookupAID(buf, off, (byte) len);
        if (aid == null) {
            aid = new AID(buf, off, (byte) len);
        }
        return GPSystem.getRegistryEntry(aid);
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        if (buf[0] != CLA) {
            ISOException.throwIt((short) 0x6E00);
        }
        byte ins = buf[1];
        byte p1 = buf[2];
        byte p2 = buf[3];
        short len = apdu.setIncomingAndReceive();
        short off = apdu.getOffsetCdata();
        short n = 1;
        CVM pin = GPSystem.getCVM(GPSystem.CVM_GLOBAL_PIN);
        switch (ins) {
            case 0x10:
                buf[0] = GPSystem.getCardState();
                break;
            case 0x11:
                buf[0] = GPSystem.getCardContentState();
                break;
            case 0x12:
                n = bool(buf, GPSystem.setCardContentState(p1));
                break;
            case 0x13:
                n = bool(buf, GPSystem.lockCard());
                break;
            case 0x14:
                n = bool(buf, GPSystem.terminateCard());
                break;
            case 0x15:
                n = bool(buf, GPSystem.setATRHistBytes(buf, off, (byte) len));
                break;
            case 0x20: {
                GPRegistryEntry e = entry(buf, off, len);
                if (e == null) {
                    ISOException.throwIt((short) 0x6A88);
                }
                buf[0] = e.getState();
                if (e.getPrivileges(buf, (short) 1) != 4) {
                    ISOException.throwIt(SW_WRONG_OFFSET);
                }
                AID aid = e.getAID();
                buf[4] = aid.getBytes(buf, (short) 5);
                n = (short) (5 + buf[4]);
                break;
            }
            case 0x21:
                n = bool(buf, entry(buf, off, len).isPrivileged(p1));
                break;
            case 0x22: {
                GPRegistryEntry e = entry(buf, off, p2);
                AID sd = new AID(buf, (short) (off + p2), (byte) (len - p2));
                n = bool(buf, e.isAssociated(sd));
                break;
            }
            case 0x23:
                n = bool(buf, entry(buf, off, len).setState(p1));
                break;
            case 0x24:
                try {
                    entry(buf, off, len).registerService((short) 0x8211);
                    Util.setShort(buf, (short) 0, (short) 0x9000);
                } catch (ISOException e) {
                    Util.setShort(buf, (short) 0, e.getReason());
                }
                n = 2;
                break;
            case 0x25:
                n = bool(buf, GPSystem.getService(null, (short) 0x8211) == null);
                break;
            case 0x26:
                n = bool(buf, GPSystem.getRegistryEntry(null) == GPSystem.getRegistryEntry(null)
                        && GPSystem.getCVM(GPSystem.CVM_GLOBAL_PIN) == pin);
                break;
            case 0x30:
                n = bool(buf, GPSystem.getCVM(p1) != null);
                break;
            case 0x31:
                buf[0] = pin.isActive() ? (byte) 1 : 0;
                buf[1] = pin.isSubmitted() ? (byte) 1 : 0;
                buf[2] = pin.isVerified() ? (byte) 1 : 0;
                buf[3] = pin.isBlocked() ? (byte) 1 : 0;
                buf[4] = pin.getTriesRemaining();
                n = 5;
                break;
            case 0x32:
                n = bool(buf, pin.update(buf, off, (byte) len, p1));
                break;
            case 0x33:
                n = bool(buf, pin.setTryLimit(p1));
                break;
            case 0x34:
                Util.setShort(buf, (short) 0, pin.verify(buf, off, (byte) len, p1));
                n = 2;
                break;
            case 0x38: {
                JCSystem.beginTransaction();
                short result = pin.verify(buf, off, (byte) len, p1);
                JCSystem.abortTransaction();
                Util.setShort(buf, (short) 0, result);
                n = 2;
                break;
            }
            case 0x35:
                n = bool(buf, pin.resetState());
                break;
            case 0x36:
                n = bool(buf, pin.blockState());
                break;
            case 0x37:
                n = bool(buf, pin.resetAndUnblockState());
                break;
            case 0x40: {
                SecureChannel sc = GPSystem.getSecureChannel();
                if (sc == null) {
                    buf[0] = 0;
                } else {
                    buf[0] = 1;
                    buf[1] = sc.getSecurityLevel();
                    n = 2;
                }
                break;
            }
            case 0x41:
                buf[0] = lastParameter;
                n = (short) (1 + lastClient[0] + 1);
                Util.arrayCopyNonAtomic(lastClient, (short) 0, buf, (short) 1, (short) (lastClient[0] + 1));
                break;
            default:
                ISOException.throwIt((short) 0x6D00);
        }
        apdu.setOutgoingAndSend((short) 0, n);
    }
}
