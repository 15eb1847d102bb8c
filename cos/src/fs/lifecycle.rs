//! File life cycle status (ISO/IEC 7816-4:2005 clause 5.3.3.2, Table 13: the LCS byte).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The life cycle state of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LifeCycle {
    /// Creation state (`01`): the file is being built; access conditions are not yet enforced.
    Creation,
    /// Initialisation state (`03`): personalisation; access conditions apply.
    Initialisation,
    /// Operational state, activated (`05`).
    Activated,
    /// Operational state, deactivated (`04`): only SELECT, ACTIVATE, TERMINATE and DELETE.
    Deactivated,
    /// Termination state (`0C`): unusable for ever; only SELECT and DELETE.
    Terminated,
}

impl LifeCycle {
    /// The LCS byte jcos writes for the state.
    pub fn byte(self) -> u8 {
        match self {
            LifeCycle::Creation => 0x01,
            LifeCycle::Initialisation => 0x03,
            LifeCycle::Activated => 0x05,
            LifeCycle::Deactivated => 0x04,
            LifeCycle::Terminated => 0x0C,
        }
    }

    /// Reads an LCS byte: `01`, `03`, `0101 -1-1` activated, `0000 01-0` deactivated,
    /// `0000 11--` terminated; other values (no information, RFU, proprietary) give `None`.
    pub fn from_byte(byte: u8) -> Option<LifeCycle> {
        match byte {
            0x01 => Some(LifeCycle::Creation),
            0x03 => Some(LifeCycle::Initialisation),
            0x05 | 0x07 => Some(LifeCycle::Activated),
            0x04 | 0x06 => Some(LifeCycle::Deactivated),
            0x0C..=0x0F => Some(LifeCycle::Terminated),
            _ => None,
        }
    }

    /// Whether the state is an operational one or earlier, in which commands work normally.
    pub fn is_usable(self) -> bool {
        matches!(
            self,
            LifeCycle::Creation | LifeCycle::Initialisation | LifeCycle::Activated
        )
    }

    /// The name used in profiles and listings.
    pub fn name(self) -> &'static str {
        match self {
            LifeCycle::Creation => "creation",
            LifeCycle::Initialisation => "initialisation",
            LifeCycle::Activated => "activated",
            LifeCycle::Deactivated => "deactivated",
            LifeCycle::Terminated => "terminated",
        }
    }

    /// Reads a name written by [`LifeCycle::name`].
    pub fn from_name(name: &str) -> Option<LifeCycle> {
        [
            LifeCycle::Creation,
            LifeCycle::Initialisation,
            LifeCycle::Activated,
            LifeCycle::Deactivated,
            LifeCycle::Terminated,
        ]
        .into_iter()
        .find(|l| l.name() == name)
    }
}

impl fmt::Display for LifeCycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcs_bytes_follow_table_13() {
        assert_eq!(LifeCycle::from_byte(0x01), Some(LifeCycle::Creation));
        assert_eq!(LifeCycle::from_byte(0x03), Some(LifeCycle::Initialisation));
        assert_eq!(LifeCycle::from_byte(0x07), Some(LifeCycle::Activated));
        assert_eq!(LifeCycle::from_byte(0x06), Some(LifeCycle::Deactivated));
        assert_eq!(LifeCycle::from_byte(0x0F), Some(LifeCycle::Terminated));
        assert_eq!(LifeCycle::from_byte(0x00), None);
        assert_eq!(LifeCycle::from_byte(0x02), None);
        assert_eq!(LifeCycle::from_byte(0x10), None);
        for l in [
            LifeCycle::Creation,
            LifeCycle::Initialisation,
            LifeCycle::Activated,
            LifeCycle::Deactivated,
            LifeCycle::Terminated,
        ] {
            assert_eq!(LifeCycle::from_byte(l.byte()), Some(l));
            assert_eq!(LifeCycle::from_name(l.name()), Some(l));
        }
    }
}
