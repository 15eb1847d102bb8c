//! Exceptions the VM and the JCRE raise themselves, kept as a small `Copy` value until a
//! handler needs the object (JCRE 3.0.5 §6.2.1: they are JCRE-owned temporary entry-point
//! objects, one reusable instance per class).

use crate::heap::ObjRef;

/// A JCRE-raised exception: a java.lang runtime exception of the JCVM, or a framework
/// exception thrown by a native's `throwIt` with its reason code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmException {
    /// `java.lang.NullPointerException`.
    NullPointer,
    /// `java.lang.ArrayIndexOutOfBoundsException`.
    ArrayIndexOutOfBounds,
    /// `java.lang.NegativeArraySizeException`.
    NegativeArraySize,
    /// `java.lang.ClassCastException`.
    ClassCast,
    /// `java.lang.ArithmeticException`.
    Arithmetic,
    /// `java.lang.ArrayStoreException`.
    ArrayStore,
    /// `java.lang.SecurityException` (firewall violations and failed run-time checks).
    Security,
    /// `javacard.framework.ISOException` with its status word.
    Iso(i16),
    /// `javacard.framework.CardRuntimeException`.
    CardRuntime(i16),
    /// `javacard.framework.SystemException`.
    System(i16),
    /// `javacard.framework.TransactionException`.
    Transaction(i16),
    /// `javacard.framework.APDUException`.
    Apdu(i16),
    /// `javacard.framework.PINException`.
    Pin(i16),
    /// `javacard.framework.CardException`.
    Card(i16),
    /// `javacard.framework.UserException`.
    User(i16),
    /// `javacard.security.CryptoException`.
    Crypto(i16),
}

/// Number of distinct JCRE exception classes, the length of the singleton table.
pub const EXCEPTION_KINDS: usize = 16;

/// `SystemException.NO_RESOURCE`.
pub const SYSTEM_NO_RESOURCE: i16 = 5;
/// `SystemException.ILLEGAL_VALUE`.
pub const SYSTEM_ILLEGAL_VALUE: i16 = 1;
/// `SystemException.ILLEGAL_TRANSIENT`.
pub const SYSTEM_ILLEGAL_TRANSIENT: i16 = 3;
/// `SystemException.ILLEGAL_USE`.
pub const SYSTEM_ILLEGAL_USE: i16 = 6;
/// `SystemException.NO_TRANSIENT_SPACE`.
pub const SYSTEM_NO_TRANSIENT_SPACE: i16 = 2;

impl VmException {
    /// Position in the singleton table; also the order of [`Self::CLASS_NAMES`].
    pub fn kind_index(self) -> usize {
        match self {
            VmException::NullPointer => 0,
            VmException::ArrayIndexOutOfBounds => 1,
            VmException::NegativeArraySize => 2,
            VmException::ClassCast => 3,
            VmException::Arithmetic => 4,
            VmException::ArrayStore => 5,
            VmException::Security => 6,
            VmException::Iso(_) => 7,
            VmException::CardRuntime(_) => 8,
            VmException::System(_) => 9,
            VmException::Transaction(_) => 10,
            VmException::Apdu(_) => 11,
            VmException::Pin(_) => 12,
            VmException::Card(_) => 13,
            VmException::User(_) => 14,
            VmException::Crypto(_) => 15,
        }
    }

    /// The reason code carried by framework exceptions.
    pub fn reason(self) -> Option<i16> {
        match self {
            VmException::Iso(r)
            | VmException::CardRuntime(r)
            | VmException::System(r)
            | VmException::Transaction(r)
            | VmException::Apdu(r)
            | VmException::Pin(r)
            | VmException::Card(r)
            | VmException::User(r)
            | VmException::Crypto(r) => Some(r),
            _ => None,
        }
    }

    /// Fully qualified class names, indexed by [`Self::kind_index`].
    pub const CLASS_NAMES: [&'static str; EXCEPTION_KINDS] = [
        "java/lang/NullPointerException",
        "java/lang/ArrayIndexOutOfBoundsException",
        "java/lang/NegativeArraySizeException",
        "java/lang/ClassCastException",
        "java/lang/ArithmeticException",
        "java/lang/ArrayStoreException",
        "java/lang/SecurityException",
        "javacard/framework/ISOException",
        "javacard/framework/CardRuntimeException",
        "javacard/framework/SystemException",
        "javacard/framework/TransactionException",
        "javacard/framework/APDUException",
        "javacard/framework/PINException",
        "javacard/framework/CardException",
        "javacard/framework/UserException",
        "javacard/security/CryptoException",
    ];
}

/// A thrown exception on its way to a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thrown {
    /// A JCRE-raised exception not yet materialised.
    Vm(VmException),
    /// An exception object (applet-created, or a materialised JCRE singleton).
    Object(ObjRef),
}

impl From<VmException> for Thrown {
    #[cold]
    fn from(e: VmException) -> Thrown {
        Thrown::Vm(e)
    }
}
