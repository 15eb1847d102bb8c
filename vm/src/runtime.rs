//! The narrow interface through which the VM reaches the card operating system
//! (ARCHITECTURE "Layout": current APDU, selected applet, registry look-ups, context switches).
//!
//! The COS implements [`Runtime`]; the VM calls it from natives (APDU transfer,
//! `selectingApplet`, `lookupAID`, random numbers) and never stores it. Security domains
//! reach the card's GlobalPlatform registry and content management through
//! [`Runtime::card_manager`] (`jcos.framework.CardManager`).

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

    /// The card's GlobalPlatform content management for the applet instance `caller`, when
    /// it holds the Security Domain privilege; `None` otherwise (the natives then throw
    /// `SecurityException`). A card without GlobalPlatform has none.
    fn card_manager(&mut self, caller: &[u8]) -> Option<&mut dyn CardManager> {
        let _ = caller;
        None
    }

    /// The card's ISO/IEC 7816-4 file system, held to the security status of the current
    /// command's logical channel (`jcos.framework.FileSystem`); `None` on a card without one
    /// (the natives then throw `ISOException` 6A82).
    fn file_system(&mut self) -> Option<&mut dyn FileSystem> {
        None
    }

    /// The card's GlobalPlatform registry as the `org.globalplatform` API reads and changes
    /// it (`GPSystem`, `GPRegistryEntry`); `None` on a card without one (the natives then
    /// answer as for an application absent from the registry).
    fn gp_registry(&mut self) -> Option<&mut dyn GpRegistry> {
        None
    }
}

/// What the GlobalPlatform registry records for one application or security domain
/// (GlobalPlatform Card Specification 2.3.1 §6.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpEntry {
    /// The application life cycle state (§11.1.1: `03`, `07`, application-specific states,
    /// bit 8 LOCKED).
    pub life_cycle: u8,
    /// The three privilege bytes (Table 6-1).
    pub privileges: [u8; 3],
    /// The AID of the associated security domain.
    pub associated_sd: Vec<u8>,
    /// The entry is the issuer security domain's.
    pub isd: bool,
}

/// The card's GlobalPlatform registry for the `org.globalplatform` natives. The natives
/// apply the API's rules (who may change what); the card records the result and gives it
/// its effects (selection, the card life cycle).
pub trait GpRegistry {
    /// The card life cycle state (`01`, `07`, `0F`, `7F`, `FF`).
    fn card_state(&self) -> u8;

    /// Sets the card life cycle state; false when the card refuses it.
    fn set_card_state(&mut self, state: u8) -> bool;

    /// The entry of the application with this instance AID.
    fn entry(&self, aid: &[u8]) -> Option<GpEntry>;

    /// Sets the life cycle state of the application with this instance AID; false when the
    /// card refuses it (no such application, the issuer security domain, no valid state).
    fn set_application_state(&mut self, aid: &[u8], state: u8) -> bool;

    /// Sets the historical bytes the ATR announces from the next reset on; false when the
    /// card refuses them.
    fn set_historical_bytes(&mut self, bytes: &[u8]) -> bool {
        let _ = bytes;
        false
    }
}

/// A status word an ISO/GP command answers with (`ISOException` reason).
pub type Sw = u16;

/// The GlobalPlatform registry and content management of a card, as a security domain
/// sees it (`jcos.framework.CardManager`, GlobalPlatform Card Specification 2.3.1 §9 and
/// §11). Queries answer at once; content changes that need the VM (load, install, delete)
/// are checked at once and carried out by the card after the security domain's `process`
/// returns normally. Errors are the status words of the contract.
pub trait CardManager {
    /// The value of the GET STATUS record (inside `E3`) of entry `index` of `kind` (GET
    /// STATUS P1: `80` ISD, `40` applications, `20` load files, `10` load files and
    /// modules); `None` past the last entry.
    fn status_entry(&self, kind: u8, index: usize) -> Option<Vec<u8>>;

    /// The card life cycle state (`01`, `07`, `0F`, `7F`, `FF`).
    fn card_state(&self) -> u8;

    /// Sets the card life cycle state.
    fn set_card_state(&mut self, state: u8) -> Result<(), Sw>;

    /// The life cycle state of the application with this instance AID.
    fn application_state(&self, aid: &[u8]) -> Result<u8, Sw>;

    /// Sets the life cycle state of the application with this instance AID.
    fn set_application_state(&mut self, aid: &[u8], state: u8) -> Result<(), Sw>;

    /// INSTALL [for load]: starts a load session.
    fn install_for_load(&mut self, data: &[u8]) -> Result<(), Sw>;

    /// LOAD: one block of the load file.
    fn load(&mut self, data: &[u8], block: u8, last: bool) -> Result<(), Sw>;

    /// INSTALL [for install] and/or [for make selectable] (`p1` is INSTALL's P1).
    fn install(&mut self, data: &[u8], p1: u8) -> Result<(), Sw>;

    /// DELETE of an application or a load file (and its applications when `related`).
    fn delete(&mut self, data: &[u8], related: bool) -> Result<(), Sw>;
}

/// The card's file system as an applet sees it (`jcos.framework.FileSystem`): files named by
/// paths of FIDs from the MF, access conditions evaluated against the security status of the
/// applet's logical channel, internal EFs never readable. Errors are the status words of the
/// contract (6A82, 6982, 6981, 6B00, 6A83, 6A84).
pub trait FileSystem {
    /// Whether the channel's security status allows operation `op` (1 read, 2 update,
    /// 3 append) on the file at `path`.
    fn check_access(&self, path: &[u16], op: u8) -> Result<bool, Sw>;

    /// Up to `len` bytes at `offset` of the transparent EF at `path`.
    fn read_binary(&self, path: &[u16], offset: usize, len: usize) -> Result<Vec<u8>, Sw>;

    /// Record `number` of the record EF at `path`.
    fn read_record(&self, path: &[u16], number: u8) -> Result<Vec<u8>, Sw>;

    /// The size of the EF at `path` (the bytes its FCP announces in tag 80).
    fn file_size(&self, path: &[u16]) -> Result<usize, Sw>;

    /// Writes `data` at `offset` of the transparent EF at `path`, all or nothing. The file
    /// system's persistent writes follow the heap's `heap_writes` in the card's one sequence
    /// of writes, so an armed tear may cut them ([`Written`]).
    fn update_binary(
        &mut self,
        path: &[u16],
        offset: usize,
        data: &[u8],
        heap_writes: u64,
    ) -> Result<Written, Sw>;
}

/// What became of a file-system update's persistent writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// They are done; an armed tear allows `tear_left` more writes (the heap's next ones).
    Done {
        /// Writes left before an armed tear cuts the power, if one is armed.
        tear_left: Option<u64>,
    },
    /// An armed tear cut the power during them: nothing changed, and the VM must stop.
    PowerLost,
}
