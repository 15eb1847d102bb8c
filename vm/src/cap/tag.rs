//! Component tags (JCVM 3.0.5 §6.1, table 6-1) and the component file names of the JAR form
//! (§6.1.1, table 6-2).

use std::fmt;

/// A component tag. Tags 1–12 are the standard components, 128–255 custom ones (§6.1.2);
/// other values are kept so they can be reported.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentTag(pub u8);

impl ComponentTag {
    /// COMPONENT_Header.
    pub const HEADER: Self = Self(1);
    /// COMPONENT_Directory.
    pub const DIRECTORY: Self = Self(2);
    /// COMPONENT_Applet.
    pub const APPLET: Self = Self(3);
    /// COMPONENT_Import.
    pub const IMPORT: Self = Self(4);
    /// COMPONENT_ConstantPool.
    pub const CONSTANT_POOL: Self = Self(5);
    /// COMPONENT_Class.
    pub const CLASS: Self = Self(6);
    /// COMPONENT_Method.
    pub const METHOD: Self = Self(7);
    /// COMPONENT_StaticField.
    pub const STATIC_FIELD: Self = Self(8);
    /// COMPONENT_ReferenceLocation.
    pub const REFERENCE_LOCATION: Self = Self(9);
    /// COMPONENT_Export.
    pub const EXPORT: Self = Self(10);
    /// COMPONENT_Descriptor.
    pub const DESCRIPTOR: Self = Self(11);
    /// COMPONENT_Debug.
    pub const DEBUG: Self = Self(12);

    /// The twelve standard components in tag order.
    pub const STANDARD: [Self; 12] = [
        Self::HEADER,
        Self::DIRECTORY,
        Self::APPLET,
        Self::IMPORT,
        Self::CONSTANT_POOL,
        Self::CLASS,
        Self::METHOD,
        Self::STATIC_FIELD,
        Self::REFERENCE_LOCATION,
        Self::EXPORT,
        Self::DESCRIPTOR,
        Self::DEBUG,
    ];

    /// The reference load order of §6.2 (table 6-3). Debug is not part of it: it is meant for
    /// off-card use only.
    pub const LOAD_ORDER: [Self; 11] = [
        Self::HEADER,
        Self::DIRECTORY,
        Self::IMPORT,
        Self::APPLET,
        Self::CLASS,
        Self::METHOD,
        Self::STATIC_FIELD,
        Self::EXPORT,
        Self::CONSTANT_POOL,
        Self::REFERENCE_LOCATION,
        Self::DESCRIPTOR,
    ];

    /// The components every CAP file contains (Applet, Export and Debug are optional).
    pub const REQUIRED: [Self; 9] = [
        Self::HEADER,
        Self::DIRECTORY,
        Self::IMPORT,
        Self::CONSTANT_POOL,
        Self::CLASS,
        Self::METHOD,
        Self::STATIC_FIELD,
        Self::REFERENCE_LOCATION,
        Self::DESCRIPTOR,
    ];

    /// The specification's name of a standard component (`"ReferenceLocation"`).
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "Header",
            2 => "Directory",
            3 => "Applet",
            4 => "Import",
            5 => "ConstantPool",
            6 => "Class",
            7 => "Method",
            8 => "StaticField",
            9 => "ReferenceLocation",
            10 => "Export",
            11 => "Descriptor",
            12 => "Debug",
            _ => return None,
        })
    }

    /// The file name of a standard component in the JAR form (`"RefLocation.cap"`).
    pub fn file_name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "Header.cap",
            2 => "Directory.cap",
            3 => "Applet.cap",
            4 => "Import.cap",
            5 => "ConstantPool.cap",
            6 => "Class.cap",
            7 => "Method.cap",
            8 => "StaticField.cap",
            9 => "RefLocation.cap",
            10 => "Export.cap",
            11 => "Descriptor.cap",
            12 => "Debug.cap",
            _ => return None,
        })
    }

    /// The standard component stored under `file_name` (compared without regard to case, as
    /// §6.1.1 says).
    pub fn from_file_name(file_name: &str) -> Option<Self> {
        Self::STANDARD.into_iter().find(|t| {
            t.file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(file_name))
        })
    }

    /// Whether this is one of the twelve standard components.
    pub fn is_standard(self) -> bool {
        (1..=12).contains(&self.0)
    }

    /// Whether this is a custom component tag (128–255, §6.1.2).
    pub fn is_custom(self) -> bool {
        self.0 >= 128
    }

    /// Index of this component in the Directory's `component_sizes` (tag minus one).
    pub(crate) fn directory_index(self) -> Option<usize> {
        self.is_standard()
            .then(|| usize::from(self.0.saturating_sub(1)))
    }
}

impl fmt::Display for ComponentTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None if self.is_custom() => write!(f, "custom {:#04x}", self.0),
            None => write!(f, "reserved {:#04x}", self.0),
        }
    }
}

impl fmt::Debug for ComponentTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ComponentTag({}: {})", self.0, self)
    }
}
