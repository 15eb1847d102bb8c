//! The registry as the `org.globalplatform` API for applets sees it
//! ([`jcos_vm::runtime::GpRegistry`]): entries, the card life cycle and the application
//! life cycles. The VM's natives apply the API's rules (GlobalPlatform Card API 1.6:
//! privileges, who may set which state); the changes here are the same the security
//! domains' `CardManager` makes, so their effects (selection, a locked or terminated
//! card) follow from the registry as for the issuer security domain's commands.

use crate::registry::Registry;
use jcos_vm::runtime::{GpEntry, GpRegistry};

impl GpRegistry for Registry {
    fn card_state(&self) -> u8 {
        self.card_life_cycle().0
    }

    fn set_card_state(&mut self, state: u8) -> bool {
        super::set_card_state(self, state).is_ok()
    }

    fn entry(&self, aid: &[u8]) -> Option<GpEntry> {
        let record = self.applet(aid)?;
        Some(GpEntry {
            life_cycle: record.life_cycle.0,
            privileges: record.privileges.0,
            associated_sd: record.associated_sd.clone(),
            isd: self.is_isd(aid),
        })
    }

    fn set_application_state(&mut self, aid: &[u8], state: u8) -> bool {
        super::set_application_state(self, aid, state).is_ok()
    }

    fn set_historical_bytes(&mut self, bytes: &[u8]) -> bool {
        Registry::set_historical_bytes(self, bytes)
    }
}
