package jcos.isd;

import javacard.framework.JCSystem;

/**
 * The state of one secure channel session and of the card content management commands that
 * belong to it, kept per logical channel: a secure channel session is bound to the logical
 * channel it was opened on (GP CS 2.3.1 §10.2.2), so the issuer security domain, selectable on
 * several channels at once, holds one of these per channel and binds the one of the current
 * command's channel.
 */
final class Session {
    /** Logical channels a card may open (JCRE 3.0.5 §4: between 1 and 20). */
    static final byte CHANNELS = 20;

    /** Phase, protocol, level, i, KVN, key length, wrapped flag (see SecureChannel). */
    final byte[] state;
    /** SCP03: host challenge, card challenge. SCP02: host challenge, counter, card challenge. */
    final byte[] context;
    /** Sequence counter used by the session being opened. */
    final byte[] sequence;
    /** MAC chaining value (SCP03, 16 bytes) or C-MAC ICV (SCP02, 8 bytes). */
    final byte[] chain;
    /** SCP03 encryption counter. */
    final byte[] counter;
    /** Session keys: S-ENC, S-MAC, S-RMAC, DEK, 32 bytes each. */
    final byte[] sk;
    /** GET STATUS continuation and personalization target lengths (see Content). */
    final byte[] content;
    /** Next registry entry of a GET STATUS continuation. */
    final short[] statusNext;
    /** AID search criteria of a GET STATUS continuation. */
    final byte[] statusAid;
    /** AID of the INSTALL [for personalization] target. */
    final byte[] persoAid;
    /** Whether the last GET STATUS left entries to send. */
    final boolean[] more;

    /** Allocates one session in transient memory of the given kind (JCSystem.CLEAR_ON_*). */
    Session(byte memory) {
        state = JCSystem.makeTransientByteArray((short) 8, memory);
        context = JCSystem.makeTransientByteArray((short) 16, memory);
        sequence = JCSystem.makeTransientByteArray((short) 3, memory);
        chain = JCSystem.makeTransientByteArray((short) 16, memory);
        counter = JCSystem.makeTransientByteArray((short) 16, memory);
        sk = JCSystem.makeTransientByteArray((short) 128, memory);
        content = JCSystem.makeTransientByteArray((short) 4, memory);
        statusNext = JCSystem.makeTransientShortArray((short) 1, memory);
        statusAid = JCSystem.makeTransientByteArray((short) 16, memory);
        persoAid = JCSystem.makeTransientByteArray((short) 16, memory);
        more = JCSystem.makeTransientBooleanArray((short) 1, memory);
    }

    /**
     * The session of {@code channel} in {@code sessions} (one slot per logical channel),
     * allocated on the channel's first use so that only channels in use take transient memory.
     */
    static Session of(Object[] sessions, byte channel, byte memory) {
        Session s = (Session) sessions[channel];
        if (s == null) {
            s = new Session(memory);
            sessions[channel] = s;
        }
        return s;
    }
}
