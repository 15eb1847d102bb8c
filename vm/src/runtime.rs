//! The narrow interface through which the VM reaches the card operating system
//! (ARCHITECTURE "Layout": current APDU, selected applet, registry look-ups, context switches).
//!
//! The COS implements [`Runtime`]; the VM calls it from natives (APDU transfer,
//! `selectingApplet`, `lookupAID`, random numbers) and never stores it.

/// The command APDU being processed, as the card's router decoded it (ISO 7816-3/4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Command<'a> {
    /// CLA, INS, P1, P2 as received (channel bits included).
    pub header: [u8; 4],
    /// Command data (Nc bytes).
    pub data: &'a [u8],
    /// Expected response length Ne (0 when absent; 256 or 65536 for a zero Le).
    pub ne: usize,
    /// The command used extended length fields.
    pub extended: bool,
}

/// Card services the VM needs while running applet code.
pub trait Runtime {
    /// The command APDU being processed.
    fn command(&self) -> Command<'_>;

    /// Appends response data (`APDU.sendBytes` and friends); the status word comes from the
    /// outcome of `process`.
    fn send(&mut self, data: &[u8]);

    /// Whether the current `process` call is for the SELECT that selected this applet
    /// (`Applet.selectingApplet`).
    fn selecting_applet(&self) -> bool;

    /// Whether the applet is being selected again while already selected on this channel
    /// (`Applet.reSelectingApplet`).
    fn reselecting_applet(&self) -> bool {
        false
    }

    /// The logical channel of the current command (`APDU.getCLAChannel`,
    /// `JCSystem.getAssignedChannel`).
    fn channel(&self) -> u8 {
        0
    }

    /// The transport protocol (`APDU.getProtocol`: `PROTOCOL_T0` = 0, `PROTOCOL_T1` = 1,
    /// media bits in the high nibble).
    fn protocol(&self) -> u8 {
        1
    }

    /// Fills `dst` with random bytes (for natives such as `RandomData`).
    fn random(&mut self, dst: &mut [u8]);

    /// Whether the applet instance with this AID is active on some logical channel
    /// (`JCSystem.isAppletActive`, JCRE 3.0.5 §4.2).
    fn applet_active(&self, aid: &[u8]) -> bool {
        let _ = aid;
        false
    }

    /// Whether the card already uses this AID for something the VM's applet table does not
    /// hold: a package, or an applet the card implements natively. `Applet.register` refuses
    /// such an AID with `SystemException.ILLEGAL_AID`.
    fn aid_in_use(&self, aid: &[u8]) -> bool {
        let _ = aid;
        false
    }
}
