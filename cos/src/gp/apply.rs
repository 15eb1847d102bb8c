//! Carrying out the content changes a security domain queued during `process()` (see the
//! module documentation of [`crate::gp`]): in call order, each with the checks of
//! [`crate::content`], stopping at the first failure, whose status word replaces the
//! security domain's response.

use super::{Request, NO_MEMORY, WRONG_DATA};
use crate::content::{self, ContentError, InstallRequest};
use crate::registry::LifeCycle;
use crate::router::Router;
use jcos_apdu::StatusWord;
use jcos_vm::cap::CapFile;
use jcos_vm::link::LoadErrorKind;

/// The status word a failed load answers: `6A84` when the card is out of room, `6A80`
/// for anything wrong with the CAP file.
fn load_sw(error: &ContentError) -> StatusWord {
    match error {
        ContentError::Link(e) if matches!(e.info().kind, LoadErrorKind::TooMany(_)) => {
            StatusWord(NO_MEMORY)
        }
        ContentError::Vm(_) => StatusWord(NO_MEMORY),
        _ => StatusWord(WRONG_DATA),
    }
}

/// The status word a failed install answers: `6A80` when the applet's `install()` fails,
/// `6A84` when the VM has no room, the content error's own otherwise.
fn install_sw(error: &ContentError) -> StatusWord {
    match error {
        ContentError::InstallFailed { .. }
        | ContentError::NotRegistered { .. }
        | ContentError::Parameters => StatusWord(WRONG_DATA),
        ContentError::Vm(_) => StatusWord(NO_MEMORY),
        other => other.status_word(),
    }
}

impl Router<'_> {
    /// Carries out `requests` for a security domain whose `process()` on `channel`
    /// returned normally; the status word of the first that fails.
    pub(crate) fn carry_out(
        &mut self,
        requests: Vec<Request>,
        channel: u8,
    ) -> Result<(), StatusWord> {
        for request in requests {
            self.carry_out_one(request, channel)?;
        }
        Ok(())
    }

    fn carry_out_one(&mut self, request: Request, channel: u8) -> Result<(), StatusWord> {
        match request {
            Request::Load {
                block,
                load_file_aid,
                sd_aid,
            } => {
                let cap = CapFile::from_bytes(&block).map_err(|_| StatusWord(WRONG_DATA))?;
                if cap.package_aid().as_bytes() != load_file_aid.as_slice() {
                    return Err(StatusWord(WRONG_DATA));
                }
                let vm = self.vm.as_deref_mut().ok_or(StatusWord(NO_MEMORY))?;
                content::load_cap(vm, self.registry, &cap, &sd_aid)
                    .map(|_| ())
                    .map_err(|e| load_sw(&e))
            }
            Request::Install {
                install,
                make_selectable,
                module_aid,
                app_aid,
                privilege_bytes,
                privileges,
                application,
                sd_aid,
            } => {
                if install {
                    let request = InstallRequest {
                        class_aid: &module_aid,
                        instance_aid: &app_aid,
                        control: &privilege_bytes,
                        application: &application,
                        privileges,
                        life_cycle: if make_selectable {
                            LifeCycle::SELECTABLE
                        } else {
                            LifeCycle::INSTALLED
                        },
                        associated_sd: &sd_aid,
                    };
                    self.content_install(&request, channel)
                        .map_err(|e| install_sw(&e))
                } else {
                    match self.registry.applet_mut(&app_aid) {
                        Some(record) => {
                            record.life_cycle = LifeCycle::SELECTABLE;
                            Ok(())
                        }
                        None => Err(StatusWord::REFERENCED_DATA_NOT_FOUND),
                    }
                }
            }
            Request::Delete { aid, related } => {
                if self.registry.applet(&aid).is_some() {
                    return self
                        .content_delete_applet(&aid, channel)
                        .map_err(|e| e.status_word());
                }
                if related {
                    let instances: Vec<Vec<u8>> = self
                        .registry
                        .instances_of(&aid)
                        .map(|a| a.aid.clone())
                        .collect();
                    for instance in instances {
                        self.content_delete_applet(&instance, channel)
                            .map_err(|e| e.status_word())?;
                    }
                }
                let vm = self
                    .vm
                    .as_deref_mut()
                    .ok_or(StatusWord::REFERENCED_DATA_NOT_FOUND)?;
                content::delete_package(vm, self.registry, &aid).map_err(|e| e.status_word())
            }
        }
    }
}
