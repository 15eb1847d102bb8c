//! The API implemented in Rust: `java.lang` and `javacard.framework` (Java Card 3.0.5 API),
//! the crypto packages ([`crypto`]), `org.globalplatform` ([`gp`]) and `jcos.framework`
//! ([`jcos`]).
//!
//! Each native method has a [`NativeId`]; [`binding`] maps the declaring class, name and
//! descriptor of an API method to it, so the linker turns the API tables' tokens into native
//! ids once at load. Natives run on behalf of the caller's context and do the firewall checks
//! the specification asks of the JCRE before touching the caller's objects.

/// Declares a table of natives of one API package: the enum naming them, their bindings
/// (declaring class, name, descriptor) and each one's argument words.
macro_rules! native_table {
    ($(#[$edoc:meta])* $enum:ident;
     $( $(#[$doc:meta])* $id:ident = $class:literal, $name:literal, $desc:literal, $nargs:literal; )*) => {
        $(#[$edoc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $enum {
            $( $(#[$doc])* $id, )*
        }

        /// Declaring class, name, descriptor and native of every entry.
        pub const BINDINGS: &[(&str, &str, &str, $enum)] = &[
            $( ($class, $name, $desc, $enum::$id), )*
        ];

        /// The entry implementing `class.name descriptor`, where `class` is the declaring class.
        pub fn binding(class: &str, name: &str, descriptor: &str) -> Option<$enum> {
            BINDINGS
                .iter()
                .find(|(c, n, d, _)| *c == class && *n == name && *d == descriptor)
                .map(|b| b.3)
        }

        impl $enum {
            /// Argument words, `this` included for instance methods.
            #[inline]
            pub fn nargs(self) -> u8 {
                match self {
                    $( $enum::$id => $nargs, )*
                }
            }
        }
    };
}
use native_table;

mod aid;
mod apdu;
pub mod builtin;
pub mod crypto;
mod exceptions;
mod framework;
pub mod gp;
pub mod jcos;
mod jcre;
mod pin;
mod system;
mod util;

pub use apdu::{begin as begin_apdu, ApduState};
pub use jcre::{AppletEntry, InstallContext, Jcre, JcreError, DEFAULT_APDU_BUFFER};

use crate::heap::ContextId;
use crate::interp::{Env, Fault, VmException};
use crate::program::MethodId;

/// What a native returns to the interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeRet {
    /// Nothing (`void`).
    Void,
    /// One word: short, byte, boolean or reference.
    Word(i32),
    /// An int (two words on the stack).
    Int(i32),
    /// Continue in a bytecode method as if the caller had invoked it (used where the JCRE
    /// calls back into an applet, e.g. `getShareableInterfaceObject`); its return value
    /// becomes the native's.
    Invoke {
        /// The method to run.
        method: MethodId,
        /// Its argument words.
        args: [i32; 3],
        /// How many of `args` are used.
        nargs: u8,
        /// The context it runs in.
        ctx: ContextId,
    },
}

macro_rules! natives {
    ($( $(#[$doc:meta])* $id:ident = $class:literal, $name:literal, $desc:literal, $nargs:literal; )*) => {
        /// A method implemented natively.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum NativeId {
            $( $(#[$doc])* $id, )*
            /// A `javacard.security` or `javacardx.crypto` native, bound in [`crypto`].
            Crypto(crypto::CryptoNative),
            /// A `jcos.framework` native, bound in [`jcos`].
            Jcos(jcos::JcosNative),
            /// An `org.globalplatform` native, bound in [`gp`].
            Gp(gp::GpNative),
        }

        /// Declaring class, name, descriptor and native of every native method.
        pub const BINDINGS: &[(&str, &str, &str, NativeId)] = &[
            $( ($class, $name, $desc, NativeId::$id), )*
        ];

        impl NativeId {
            /// Argument words, `this` included.
            #[inline]
            pub fn nargs(self) -> u8 {
                match self {
                    $( NativeId::$id => $nargs, )*
                    NativeId::Crypto(c) => c.nargs(),
                    NativeId::Jcos(j) => j.nargs(),
                    NativeId::Gp(g) => g.nargs(),
                }
            }
        }
    };
}

natives! {
    /// `Object.<init>()` and the no-argument constructors of the java.lang exceptions.
    ObjectInit = "java/lang/Object", "<init>", "()V", 1;
    /// `Object.equals(Object)`: reference equality.
    ObjectEquals = "java/lang/Object", "equals", "(Ljava/lang/Object;)Z", 2;
    /// `Throwable.<init>()`.
    ThrowableInit = "java/lang/Throwable", "<init>", "()V", 1;
    /// `Exception.<init>()`.
    ExceptionInit = "java/lang/Exception", "<init>", "()V", 1;
    /// `RuntimeException.<init>()`.
    RuntimeExceptionInit = "java/lang/RuntimeException", "<init>", "()V", 1;
    /// `IndexOutOfBoundsException.<init>()`.
    IndexOutOfBoundsInit = "java/lang/IndexOutOfBoundsException", "<init>", "()V", 1;
    /// `ArrayIndexOutOfBoundsException.<init>()`.
    ArrayIndexOutOfBoundsInit = "java/lang/ArrayIndexOutOfBoundsException", "<init>", "()V", 1;
    /// `NegativeArraySizeException.<init>()`.
    NegativeArraySizeInit = "java/lang/NegativeArraySizeException", "<init>", "()V", 1;
    /// `NullPointerException.<init>()`.
    NullPointerInit = "java/lang/NullPointerException", "<init>", "()V", 1;
    /// `ClassCastException.<init>()`.
    ClassCastInit = "java/lang/ClassCastException", "<init>", "()V", 1;
    /// `ArithmeticException.<init>()`.
    ArithmeticInit = "java/lang/ArithmeticException", "<init>", "()V", 1;
    /// `SecurityException.<init>()`.
    SecurityInit = "java/lang/SecurityException", "<init>", "()V", 1;
    /// `ArrayStoreException.<init>()`.
    ArrayStoreInit = "java/lang/ArrayStoreException", "<init>", "()V", 1;

    /// `CardRuntimeException.<init>(short)`.
    CardRuntimeExceptionInit = "javacard/framework/CardRuntimeException", "<init>", "(S)V", 2;
    /// `CardRuntimeException.getReason()`.
    CardRuntimeExceptionGetReason = "javacard/framework/CardRuntimeException", "getReason", "()S", 1;
    /// `CardRuntimeException.setReason(short)`.
    CardRuntimeExceptionSetReason = "javacard/framework/CardRuntimeException", "setReason", "(S)V", 2;
    /// `CardRuntimeException.throwIt(short)`.
    CardRuntimeExceptionThrowIt = "javacard/framework/CardRuntimeException", "throwIt", "(S)V", 1;
    /// `CardException.<init>(short)`.
    CardExceptionInit = "javacard/framework/CardException", "<init>", "(S)V", 2;
    /// `CardException.getReason()`.
    CardExceptionGetReason = "javacard/framework/CardException", "getReason", "()S", 1;
    /// `CardException.setReason(short)`.
    CardExceptionSetReason = "javacard/framework/CardException", "setReason", "(S)V", 2;
    /// `CardException.throwIt(short)`.
    CardExceptionThrowIt = "javacard/framework/CardException", "throwIt", "(S)V", 1;
    /// `ISOException.<init>(short)`.
    IsoExceptionInit = "javacard/framework/ISOException", "<init>", "(S)V", 2;
    /// `ISOException.throwIt(short)`.
    IsoExceptionThrowIt = "javacard/framework/ISOException", "throwIt", "(S)V", 1;
    /// `SystemException.<init>(short)`.
    SystemExceptionInit = "javacard/framework/SystemException", "<init>", "(S)V", 2;
    /// `SystemException.throwIt(short)`.
    SystemExceptionThrowIt = "javacard/framework/SystemException", "throwIt", "(S)V", 1;
    /// `TransactionException.<init>(short)`.
    TransactionExceptionInit = "javacard/framework/TransactionException", "<init>", "(S)V", 2;
    /// `TransactionException.throwIt(short)`.
    TransactionExceptionThrowIt = "javacard/framework/TransactionException", "throwIt", "(S)V", 1;
    /// `APDUException.<init>(short)`.
    ApduExceptionInit = "javacard/framework/APDUException", "<init>", "(S)V", 2;
    /// `APDUException.throwIt(short)`.
    ApduExceptionThrowIt = "javacard/framework/APDUException", "throwIt", "(S)V", 1;
    /// `PINException.<init>(short)`.
    PinExceptionInit = "javacard/framework/PINException", "<init>", "(S)V", 2;
    /// `PINException.throwIt(short)`.
    PinExceptionThrowIt = "javacard/framework/PINException", "throwIt", "(S)V", 1;
    /// `UserException.<init>()`.
    UserExceptionInit = "javacard/framework/UserException", "<init>", "()V", 1;
    /// `UserException.<init>(short)`.
    UserExceptionInitReason = "javacard/framework/UserException", "<init>", "(S)V", 2;
    /// `UserException.throwIt(short)`.
    UserExceptionThrowIt = "javacard/framework/UserException", "throwIt", "(S)V", 1;

    /// `Applet.<init>()`.
    AppletInit = "javacard/framework/Applet", "<init>", "()V", 1;
    /// `Applet.register()`.
    AppletRegister = "javacard/framework/Applet", "register", "()V", 1;
    /// `Applet.register(byte[], short, byte)`.
    AppletRegisterAid = "javacard/framework/Applet", "register", "([BSB)V", 4;
    /// `Applet.selectingApplet()`.
    AppletSelectingApplet = "javacard/framework/Applet", "selectingApplet", "()Z", 1;
    /// `Applet.reSelectingApplet()`.
    AppletReSelectingApplet = "javacard/framework/Applet", "reSelectingApplet", "()Z", 0;
    /// `Applet.select()`: the default accepts selection.
    AppletSelect = "javacard/framework/Applet", "select", "()Z", 1;
    /// `Applet.deselect()`: the default does nothing.
    AppletDeselect = "javacard/framework/Applet", "deselect", "()V", 1;
    /// `Applet.getShareableInterfaceObject(AID, byte)`: the default shares nothing.
    AppletGetShareableInterfaceObject = "javacard/framework/Applet", "getShareableInterfaceObject", "(Ljavacard/framework/AID;B)Ljavacard/framework/Shareable;", 3;

    /// `APDU.getBuffer()`.
    ApduGetBuffer = "javacard/framework/APDU", "getBuffer", "()[B", 1;
    /// `APDU.getNAD()`.
    ApduGetNad = "javacard/framework/APDU", "getNAD", "()B", 1;
    /// `APDU.receiveBytes(short)`.
    ApduReceiveBytes = "javacard/framework/APDU", "receiveBytes", "(S)S", 2;
    /// `APDU.sendBytes(short, short)`.
    ApduSendBytes = "javacard/framework/APDU", "sendBytes", "(SS)V", 3;
    /// `APDU.sendBytesLong(byte[], short, short)`.
    ApduSendBytesLong = "javacard/framework/APDU", "sendBytesLong", "([BSS)V", 4;
    /// `APDU.setIncomingAndReceive()`.
    ApduSetIncomingAndReceive = "javacard/framework/APDU", "setIncomingAndReceive", "()S", 1;
    /// `APDU.setOutgoing()`.
    ApduSetOutgoing = "javacard/framework/APDU", "setOutgoing", "()S", 1;
    /// `APDU.setOutgoingAndSend(short, short)`.
    ApduSetOutgoingAndSend = "javacard/framework/APDU", "setOutgoingAndSend", "(SS)V", 3;
    /// `APDU.setOutgoingLength(short)`.
    ApduSetOutgoingLength = "javacard/framework/APDU", "setOutgoingLength", "(S)V", 2;
    /// `APDU.setOutgoingNoChaining()`.
    ApduSetOutgoingNoChaining = "javacard/framework/APDU", "setOutgoingNoChaining", "()S", 1;
    /// `APDU.getCurrentState()`.
    ApduGetCurrentState = "javacard/framework/APDU", "getCurrentState", "()B", 1;
    /// `APDU.isCommandChainingCLA()`.
    ApduIsCommandChainingCla = "javacard/framework/APDU", "isCommandChainingCLA", "()Z", 1;
    /// `APDU.isSecureMessagingCLA()`.
    ApduIsSecureMessagingCla = "javacard/framework/APDU", "isSecureMessagingCLA", "()Z", 1;
    /// `APDU.isISOInterindustryCLA()`.
    ApduIsIsoInterindustryCla = "javacard/framework/APDU", "isISOInterindustryCLA", "()Z", 1;
    /// `APDU.getIncomingLength()`.
    ApduGetIncomingLength = "javacard/framework/APDU", "getIncomingLength", "()S", 1;
    /// `APDU.getOffsetCdata()`.
    ApduGetOffsetCdata = "javacard/framework/APDU", "getOffsetCdata", "()S", 1;
    /// `APDU.isValidCLA()`.
    ApduIsValidCla = "javacard/framework/APDU", "isValidCLA", "()Z", 1;
    /// `APDU.getInBlockSize()`.
    ApduGetInBlockSize = "javacard/framework/APDU", "getInBlockSize", "()S", 0;
    /// `APDU.getOutBlockSize()`.
    ApduGetOutBlockSize = "javacard/framework/APDU", "getOutBlockSize", "()S", 0;
    /// `APDU.getProtocol()`.
    ApduGetProtocol = "javacard/framework/APDU", "getProtocol", "()B", 0;
    /// `APDU.waitExtension()`.
    ApduWaitExtension = "javacard/framework/APDU", "waitExtension", "()V", 0;
    /// `APDU.getCurrentAPDU()`.
    ApduGetCurrentApdu = "javacard/framework/APDU", "getCurrentAPDU", "()Ljavacard/framework/APDU;", 0;
    /// `APDU.getCurrentAPDUBuffer()`.
    ApduGetCurrentApduBuffer = "javacard/framework/APDU", "getCurrentAPDUBuffer", "()[B", 0;
    /// `APDU.getCLAChannel()`.
    ApduGetClaChannel = "javacard/framework/APDU", "getCLAChannel", "()B", 0;

    /// `Util.arrayCompare`.
    UtilArrayCompare = "javacard/framework/Util", "arrayCompare", "([BS[BSS)B", 5;
    /// `Util.arrayCopy` (atomic).
    UtilArrayCopy = "javacard/framework/Util", "arrayCopy", "([BS[BSS)S", 5;
    /// `Util.arrayCopyNonAtomic`.
    UtilArrayCopyNonAtomic = "javacard/framework/Util", "arrayCopyNonAtomic", "([BS[BSS)S", 5;
    /// `Util.arrayFill` (atomic).
    UtilArrayFill = "javacard/framework/Util", "arrayFill", "([BSSB)S", 4;
    /// `Util.arrayFillNonAtomic`.
    UtilArrayFillNonAtomic = "javacard/framework/Util", "arrayFillNonAtomic", "([BSSB)S", 4;
    /// `Util.getShort`.
    UtilGetShort = "javacard/framework/Util", "getShort", "([BS)S", 2;
    /// `Util.makeShort`.
    UtilMakeShort = "javacard/framework/Util", "makeShort", "(BB)S", 2;
    /// `Util.setShort`.
    UtilSetShort = "javacard/framework/Util", "setShort", "([BSS)S", 3;

    /// `JCSystem.abortTransaction()`.
    SystemAbortTransaction = "javacard/framework/JCSystem", "abortTransaction", "()V", 0;
    /// `JCSystem.beginTransaction()`.
    SystemBeginTransaction = "javacard/framework/JCSystem", "beginTransaction", "()V", 0;
    /// `JCSystem.commitTransaction()`.
    SystemCommitTransaction = "javacard/framework/JCSystem", "commitTransaction", "()V", 0;
    /// `JCSystem.getAID()`.
    SystemGetAid = "javacard/framework/JCSystem", "getAID", "()Ljavacard/framework/AID;", 0;
    /// `JCSystem.getAppletShareableInterfaceObject(AID, byte)`.
    SystemGetAppletShareableInterfaceObject = "javacard/framework/JCSystem", "getAppletShareableInterfaceObject", "(Ljavacard/framework/AID;B)Ljavacard/framework/Shareable;", 2;
    /// `JCSystem.getMaxCommitCapacity()`.
    SystemGetMaxCommitCapacity = "javacard/framework/JCSystem", "getMaxCommitCapacity", "()S", 0;
    /// `JCSystem.getPreviousContextAID()`.
    SystemGetPreviousContextAid = "javacard/framework/JCSystem", "getPreviousContextAID", "()Ljavacard/framework/AID;", 0;
    /// `JCSystem.getTransactionDepth()`.
    SystemGetTransactionDepth = "javacard/framework/JCSystem", "getTransactionDepth", "()B", 0;
    /// `JCSystem.getUnusedCommitCapacity()`.
    SystemGetUnusedCommitCapacity = "javacard/framework/JCSystem", "getUnusedCommitCapacity", "()S", 0;
    /// `JCSystem.getVersion()`.
    SystemGetVersion = "javacard/framework/JCSystem", "getVersion", "()S", 0;
    /// `JCSystem.isTransient(Object)`.
    SystemIsTransient = "javacard/framework/JCSystem", "isTransient", "(Ljava/lang/Object;)B", 1;
    /// `JCSystem.lookupAID(byte[], short, byte)`.
    SystemLookupAid = "javacard/framework/JCSystem", "lookupAID", "([BSB)Ljavacard/framework/AID;", 3;
    /// `JCSystem.makeTransientBooleanArray(short, byte)`.
    SystemMakeTransientBooleanArray = "javacard/framework/JCSystem", "makeTransientBooleanArray", "(SB)[Z", 2;
    /// `JCSystem.makeTransientByteArray(short, byte)`.
    SystemMakeTransientByteArray = "javacard/framework/JCSystem", "makeTransientByteArray", "(SB)[B", 2;
    /// `JCSystem.makeTransientShortArray(short, byte)`.
    SystemMakeTransientShortArray = "javacard/framework/JCSystem", "makeTransientShortArray", "(SB)[S", 2;
    /// `JCSystem.makeTransientObjectArray(short, byte)`.
    SystemMakeTransientObjectArray = "javacard/framework/JCSystem", "makeTransientObjectArray", "(SB)[Ljava/lang/Object;", 2;
    /// `JCSystem.getAvailableMemory(byte)`.
    SystemGetAvailableMemory = "javacard/framework/JCSystem", "getAvailableMemory", "(B)S", 1;
    /// `JCSystem.isObjectDeletionSupported()`.
    SystemIsObjectDeletionSupported = "javacard/framework/JCSystem", "isObjectDeletionSupported", "()Z", 0;
    /// `JCSystem.requestObjectDeletion()`.
    SystemRequestObjectDeletion = "javacard/framework/JCSystem", "requestObjectDeletion", "()V", 0;
    /// `JCSystem.getAssignedChannel()`.
    SystemGetAssignedChannel = "javacard/framework/JCSystem", "getAssignedChannel", "()B", 0;
    /// `JCSystem.isAppletActive(AID)`.
    SystemIsAppletActive = "javacard/framework/JCSystem", "isAppletActive", "(Ljavacard/framework/AID;)Z", 1;
    /// `JCSystem.makeGlobalArray(byte, short)`.
    SystemMakeGlobalArray = "javacard/framework/JCSystem", "makeGlobalArray", "(BS)Ljava/lang/Object;", 2;
    /// `JCSystem.getAvailableMemory(short[], short, byte)`.
    SystemGetAvailableMemoryInt = "javacard/framework/JCSystem", "getAvailableMemory", "([SSB)V", 3;

    /// `AID.<init>(byte[], short, byte)`.
    AidInit = "javacard/framework/AID", "<init>", "([BSB)V", 4;
    /// `AID.equals(Object)`.
    AidEquals = "javacard/framework/AID", "equals", "(Ljava/lang/Object;)Z", 2;
    /// `AID.RIDEquals(AID)`.
    AidRidEquals = "javacard/framework/AID", "RIDEquals", "(Ljavacard/framework/AID;)Z", 2;
    /// `AID.equals(byte[], short, byte)`.
    AidEqualsBytes = "javacard/framework/AID", "equals", "([BSB)Z", 4;
    /// `AID.getBytes(byte[], short)`.
    AidGetBytes = "javacard/framework/AID", "getBytes", "([BS)B", 3;
    /// `AID.partialEquals(byte[], short, byte)`.
    AidPartialEquals = "javacard/framework/AID", "partialEquals", "([BSB)Z", 4;
    /// `AID.getPartialBytes(short, byte[], short, byte)`.
    AidGetPartialBytes = "javacard/framework/AID", "getPartialBytes", "(S[BSB)B", 5;

    /// `OwnerPIN.<init>(byte, byte)`.
    PinInit = "javacard/framework/OwnerPIN", "<init>", "(BB)V", 3;
    /// `OwnerPIN.check(byte[], short, byte)`.
    PinCheck = "javacard/framework/OwnerPIN", "check", "([BSB)Z", 4;
    /// `OwnerPIN.getTriesRemaining()`.
    PinGetTriesRemaining = "javacard/framework/OwnerPIN", "getTriesRemaining", "()B", 1;
    /// `OwnerPIN.getValidatedFlag()`.
    PinGetValidatedFlag = "javacard/framework/OwnerPIN", "getValidatedFlag", "()Z", 1;
    /// `OwnerPIN.isValidated()`.
    PinIsValidated = "javacard/framework/OwnerPIN", "isValidated", "()Z", 1;
    /// `OwnerPIN.reset()`.
    PinReset = "javacard/framework/OwnerPIN", "reset", "()V", 1;
    /// `OwnerPIN.resetAndUnblock()`.
    PinResetAndUnblock = "javacard/framework/OwnerPIN", "resetAndUnblock", "()V", 1;
    /// `OwnerPIN.setValidatedFlag(boolean)`.
    PinSetValidatedFlag = "javacard/framework/OwnerPIN", "setValidatedFlag", "(Z)V", 2;
    /// `OwnerPIN.update(byte[], short, byte)`.
    PinUpdate = "javacard/framework/OwnerPIN", "update", "([BSB)V", 4;
}

/// The native implementing `class.name descriptor`, where `class` is the declaring class.
pub fn binding(class: &str, name: &str, descriptor: &str) -> Option<NativeId> {
    BINDINGS
        .iter()
        .find(|(c, n, d, _)| *c == class && *n == name && *d == descriptor)
        .map(|b| b.3)
        .or_else(|| crypto::binding(class, name, descriptor).map(NativeId::Crypto))
        .or_else(|| jcos::binding(class, name, descriptor).map(NativeId::Jcos))
        .or_else(|| gp::binding(class, name, descriptor).map(NativeId::Gp))
}

/// Runs native `id` with argument words `args` on behalf of context `ctx`.
pub fn invoke(
    env: &mut Env<'_>,
    id: NativeId,
    args: &[i32],
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    let a = Args(args);
    use NativeId as N;
    match id {
        N::ObjectInit
        | N::ThrowableInit
        | N::ExceptionInit
        | N::RuntimeExceptionInit
        | N::IndexOutOfBoundsInit
        | N::ArrayIndexOutOfBoundsInit
        | N::NegativeArraySizeInit
        | N::NullPointerInit
        | N::ClassCastInit
        | N::ArithmeticInit
        | N::SecurityInit
        | N::ArrayStoreInit
        | N::AppletInit => Ok(NativeRet::Void),
        N::ObjectEquals => Ok(NativeRet::Word(i32::from(a.get(0)? == a.get(1)?))),
        N::CardRuntimeExceptionInit
        | N::CardExceptionInit
        | N::IsoExceptionInit
        | N::SystemExceptionInit
        | N::TransactionExceptionInit
        | N::ApduExceptionInit
        | N::PinExceptionInit
        | N::UserExceptionInitReason => exceptions::init(env, &a, ctx),
        N::UserExceptionInit => exceptions::init_zero(env, &a, ctx),
        N::CardRuntimeExceptionGetReason | N::CardExceptionGetReason => {
            exceptions::get_reason(env, &a, ctx)
        }
        N::CardRuntimeExceptionSetReason | N::CardExceptionSetReason => {
            exceptions::set_reason(env, &a, ctx)
        }
        N::CardRuntimeExceptionThrowIt => Err(VmException::CardRuntime(a.short(0)?).into()),
        N::CardExceptionThrowIt => Err(VmException::Card(a.short(0)?).into()),
        N::IsoExceptionThrowIt => Err(VmException::Iso(a.short(0)?).into()),
        N::SystemExceptionThrowIt => Err(VmException::System(a.short(0)?).into()),
        N::TransactionExceptionThrowIt => Err(VmException::Transaction(a.short(0)?).into()),
        N::ApduExceptionThrowIt => Err(VmException::Apdu(a.short(0)?).into()),
        N::PinExceptionThrowIt => Err(VmException::Pin(a.short(0)?).into()),
        N::UserExceptionThrowIt => Err(VmException::User(a.short(0)?).into()),

        N::AppletRegister => framework::register(env, &a, ctx, false),
        N::AppletRegisterAid => framework::register(env, &a, ctx, true),
        N::AppletSelectingApplet => Ok(bool_ret(env.runtime.selecting_applet())),
        N::AppletReSelectingApplet => Ok(bool_ret(env.runtime.reselecting_applet())),
        N::AppletSelect => Ok(bool_ret(true)),
        N::AppletDeselect => Ok(NativeRet::Void),
        N::AppletGetShareableInterfaceObject => Ok(NativeRet::Word(0)),

        N::ApduGetBuffer
        | N::ApduGetNad
        | N::ApduReceiveBytes
        | N::ApduSendBytes
        | N::ApduSendBytesLong
        | N::ApduSetIncomingAndReceive
        | N::ApduSetOutgoing
        | N::ApduSetOutgoingAndSend
        | N::ApduSetOutgoingLength
        | N::ApduSetOutgoingNoChaining
        | N::ApduGetCurrentState
        | N::ApduIsCommandChainingCla
        | N::ApduIsSecureMessagingCla
        | N::ApduIsIsoInterindustryCla
        | N::ApduGetIncomingLength
        | N::ApduGetOffsetCdata
        | N::ApduIsValidCla
        | N::ApduGetInBlockSize
        | N::ApduGetOutBlockSize
        | N::ApduGetProtocol
        | N::ApduWaitExtension
        | N::ApduGetCurrentApdu
        | N::ApduGetCurrentApduBuffer
        | N::ApduGetClaChannel => apdu::invoke(env, id, &a, ctx),

        N::UtilArrayCompare
        | N::UtilArrayCopy
        | N::UtilArrayCopyNonAtomic
        | N::UtilArrayFill
        | N::UtilArrayFillNonAtomic
        | N::UtilGetShort
        | N::UtilMakeShort
        | N::UtilSetShort => util::invoke(env, id, &a, ctx),

        N::SystemAbortTransaction
        | N::SystemBeginTransaction
        | N::SystemCommitTransaction
        | N::SystemGetAid
        | N::SystemGetAppletShareableInterfaceObject
        | N::SystemGetMaxCommitCapacity
        | N::SystemGetPreviousContextAid
        | N::SystemGetTransactionDepth
        | N::SystemGetUnusedCommitCapacity
        | N::SystemGetVersion
        | N::SystemIsTransient
        | N::SystemLookupAid
        | N::SystemMakeTransientBooleanArray
        | N::SystemMakeTransientByteArray
        | N::SystemMakeTransientShortArray
        | N::SystemMakeTransientObjectArray
        | N::SystemGetAvailableMemory
        | N::SystemIsObjectDeletionSupported
        | N::SystemRequestObjectDeletion
        | N::SystemGetAssignedChannel
        | N::SystemIsAppletActive
        | N::SystemMakeGlobalArray
        | N::SystemGetAvailableMemoryInt => system::invoke(env, id, &a, ctx),

        N::AidInit
        | N::AidEquals
        | N::AidRidEquals
        | N::AidEqualsBytes
        | N::AidGetBytes
        | N::AidPartialEquals
        | N::AidGetPartialBytes => aid::invoke(env, id, &a, ctx),

        N::PinInit
        | N::PinCheck
        | N::PinGetTriesRemaining
        | N::PinGetValidatedFlag
        | N::PinIsValidated
        | N::PinReset
        | N::PinResetAndUnblock
        | N::PinSetValidatedFlag
        | N::PinUpdate => pin::invoke(env, id, &a, ctx),

        N::Crypto(c) => crypto::invoke(env, c, &a, ctx),
        N::Jcos(j) => jcos::invoke(env, j, &a, ctx),
        N::Gp(g) => gp::invoke(env, g, &a, ctx),
    }
}

fn bool_ret(b: bool) -> NativeRet {
    NativeRet::Word(i32::from(b))
}

/// Argument words of a native call, read with checks (the interpreter passes exactly
/// `nargs` words, so a failure means a broken binding and surfaces as SecurityException).
pub(crate) struct Args<'a>(&'a [i32]);

impl Args<'_> {
    fn get(&self, i: usize) -> Result<i32, VmException> {
        self.0.get(i).copied().ok_or(VmException::Security)
    }

    fn short(&self, i: usize) -> Result<i16, VmException> {
        Ok(self.get(i)? as i16)
    }

    fn byte(&self, i: usize) -> Result<i8, VmException> {
        Ok(self.get(i)? as i8)
    }

    fn obj(&self, i: usize) -> Result<crate::heap::ObjRef, VmException> {
        crate::heap::ObjRef::from_word(self.get(i)?).ok_or(VmException::NullPointer)
    }

    fn opt_obj(&self, i: usize) -> Result<Option<crate::heap::ObjRef>, VmException> {
        Ok(crate::heap::ObjRef::from_word(self.get(i)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_binding_is_unique_and_nargs_match_descriptors() {
        for (i, (c, n, d, id)) in BINDINGS.iter().enumerate() {
            assert_eq!(
                binding(c, n, d),
                Some(*id),
                "duplicate binding {c}.{n}{d} at {i}"
            );
            let words = crate::native::builtin::descriptor_arg_words(d).unwrap_or(usize::MAX);
            let statics = [
                "throwIt",
                "getInBlockSize",
                "getOutBlockSize",
                "getProtocol",
                "waitExtension",
                "getCurrentAPDU",
                "getCurrentAPDUBuffer",
                "getCLAChannel",
                "reSelectingApplet",
            ];
            let is_static = c.ends_with("/Util") || c.ends_with("/JCSystem") || statics.contains(n);
            let expect = words + usize::from(!is_static);
            assert_eq!(usize::from(id.nargs()), expect, "{c}.{n}{d}");
        }
    }
}
