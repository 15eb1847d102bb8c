//! `javacard.framework.JCSystem`: transient arrays, transactions, AIDs and shareable
//! interface objects.

use super::{bool_ret, Args, NativeId, NativeRet};
use crate::heap::{Access, ArrayData, Body, ContextId, Memory};
use crate::interp::{Env, Fault, VmException, SYSTEM_ILLEGAL_VALUE, SYSTEM_NO_TRANSIENT_SPACE};
use crate::program::MethodTarget;

/// `JCSystem.CLEAR_ON_RESET`.
const CLEAR_ON_RESET: i8 = 1;
/// `JCSystem.CLEAR_ON_DESELECT`.
const CLEAR_ON_DESELECT: i8 = 2;
/// `JCSystem.MEMORY_TYPE_PERSISTENT`.
const MEMORY_TYPE_PERSISTENT: i8 = 0;
/// `JCSystem.MEMORY_TYPE_TRANSIENT_RESET`.
const MEMORY_TYPE_TRANSIENT_RESET: i8 = 1;
/// `JCSystem.MEMORY_TYPE_TRANSIENT_DESELECT`.
const MEMORY_TYPE_TRANSIENT_DESELECT: i8 = 2;
/// `JCSystem.ARRAY_TYPE_BOOLEAN`.
const ARRAY_TYPE_BOOLEAN: i8 = 1;
/// `JCSystem.ARRAY_TYPE_BYTE`.
const ARRAY_TYPE_BYTE: i8 = 2;
/// `JCSystem.ARRAY_TYPE_SHORT`.
const ARRAY_TYPE_SHORT: i8 = 3;
/// `JCSystem.ARRAY_TYPE_INT`.
const ARRAY_TYPE_INT: i8 = 4;
/// `JCSystem.ARRAY_TYPE_OBJECT`.
const ARRAY_TYPE_OBJECT: i8 = 5;
/// `JCSystem.getVersion()`: Java Card 3.0.5.
const API_VERSION: i32 = 0x0305;
/// Public virtual method token of `Applet.getShareableInterfaceObject(AID, byte)`.
const GET_SIO_TOKEN: u8 = 5;

fn clamp_short(v: usize) -> NativeRet {
    NativeRet::Word(i32::try_from(v.min(32767)).unwrap_or(32767))
}

/// Runs a `JCSystem` native.
pub(super) fn invoke(
    env: &mut Env<'_>,
    id: NativeId,
    a: &Args<'_>,
    ctx: ContextId,
) -> Result<NativeRet, Fault> {
    use NativeId as N;
    match id {
        N::SystemMakeTransientBooleanArray
        | N::SystemMakeTransientByteArray
        | N::SystemMakeTransientShortArray
        | N::SystemMakeTransientObjectArray => {
            let len = a.short(0)?;
            let event = a.byte(1)?;
            let memory = match event {
                CLEAR_ON_RESET => Memory::ClearOnReset,
                CLEAR_ON_DESELECT => Memory::ClearOnDeselect,
                _ => return Err(VmException::System(SYSTEM_ILLEGAL_VALUE).into()),
            };
            let n = usize::try_from(len).map_err(|_| VmException::NegativeArraySize)?;
            let data = match id {
                N::SystemMakeTransientBooleanArray => ArrayData::Boolean(vec![0; n]),
                N::SystemMakeTransientByteArray => ArrayData::Byte(vec![0; n]),
                N::SystemMakeTransientShortArray => ArrayData::Short(vec![0; n]),
                _ => ArrayData::Reference {
                    element: env.program.well_known.object.0,
                    items: vec![0; n],
                },
            };
            let r = env
                .heap
                .alloc_array(ctx, memory, data)
                .map_err(|_| VmException::System(SYSTEM_NO_TRANSIENT_SPACE))?;
            Ok(NativeRet::Word(r.word()))
        }
        N::SystemIsTransient => {
            let Some(r) = a.opt_obj(0)? else {
                return Ok(NativeRet::Word(i32::from(MEMORY_TYPE_PERSISTENT)));
            };
            let kind = match &env.heap.get(r)?.body {
                Body::Array(arr) => match arr.memory {
                    Memory::Persistent => MEMORY_TYPE_PERSISTENT,
                    Memory::ClearOnReset => MEMORY_TYPE_TRANSIENT_RESET,
                    Memory::ClearOnDeselect => MEMORY_TYPE_TRANSIENT_DESELECT,
                },
                Body::Instance(_) => MEMORY_TYPE_PERSISTENT,
            };
            Ok(NativeRet::Word(i32::from(kind)))
        }
        N::SystemGetVersion => Ok(NativeRet::Word(API_VERSION)),
        N::SystemBeginTransaction => {
            env.heap.begin_transaction()?;
            Ok(NativeRet::Void)
        }
        N::SystemCommitTransaction => {
            env.heap.commit_transaction()?;
            Ok(NativeRet::Void)
        }
        N::SystemAbortTransaction => {
            env.heap.abort_transaction()?;
            Ok(NativeRet::Void)
        }
        N::SystemGetTransactionDepth => {
            Ok(NativeRet::Word(i32::from(env.heap.transaction_depth())))
        }
        N::SystemGetUnusedCommitCapacity => Ok(clamp_short(env.heap.journal().unused())),
        N::SystemGetMaxCommitCapacity => Ok(clamp_short(env.heap.journal().capacity())),
        N::SystemGetAvailableMemory => {
            let kind = a.byte(0)?;
            let free = match kind {
                MEMORY_TYPE_PERSISTENT => env.heap.persistent_available(),
                MEMORY_TYPE_TRANSIENT_RESET | MEMORY_TYPE_TRANSIENT_DESELECT => {
                    env.heap.transient_available()
                }
                _ => return Err(VmException::System(SYSTEM_ILLEGAL_VALUE).into()),
            };
            Ok(clamp_short(free))
        }
        N::SystemGetAid => Ok(NativeRet::Word(
            env.jcre
                .applet_of_context(ctx)
                .map_or(0, |e| e.aid_object.word()),
        )),
        N::SystemGetPreviousContextAid => {
            let prev = env.jcre.ctx_stack.last().copied();
            Ok(NativeRet::Word(match prev {
                Some(p) if p != ContextId::JCRE => env
                    .jcre
                    .applet_of_context(p)
                    .map_or(0, |e| e.aid_object.word()),
                _ => 0,
            }))
        }
        N::SystemLookupAid => {
            let arr = a.obj(0)?;
            let off = i32::from(a.short(1)?);
            let len = i32::from(a.byte(2)?);
            let bytes: Vec<u8> = env.heap.read_u8s(arr, off, len, ctx)?;
            Ok(NativeRet::Word(
                env.jcre
                    .applet_by_aid(&bytes)
                    .map_or(0, |e| e.aid_object.word()),
            ))
        }
        N::SystemIsAppletActive => {
            let aid = a.obj(0)?;
            let bytes = match env.heap.native(aid)? {
                crate::heap::NativeState::Aid(b) => b.clone(),
                _ => return Ok(bool_ret(false)),
            };
            Ok(bool_ret(env.runtime.applet_active(&bytes)))
        }
        N::SystemGetAppletShareableInterfaceObject => {
            // JCRE 3.0.5 §6.2.4: the JCRE asks the server applet, in its own context, for
            // the object via getShareableInterfaceObject(clientAID, parameter).
            let server_aid = a.obj(0)?;
            let parameter = a.byte(1)?;
            let bytes = match env.heap.native(server_aid)? {
                crate::heap::NativeState::Aid(b) => b.clone(),
                _ => return Ok(NativeRet::Word(0)),
            };
            let Some(server) = env.jcre.applet_by_aid(&bytes).cloned() else {
                return Ok(NativeRet::Word(0));
            };
            let client_aid = env
                .jcre
                .applet_of_context(ctx)
                .map_or(0, |e| e.aid_object.word());
            let class = match &env.heap.get(server.instance)?.body {
                Body::Instance(i) => crate::program::ClassId(i.class),
                Body::Array(_) => return Ok(NativeRet::Word(0)),
            };
            match env.program.virtual_target(class, GET_SIO_TOKEN) {
                Some(MethodTarget::Bytecode(method)) => Ok(NativeRet::Invoke {
                    method,
                    args: [server.instance.word(), client_aid, i32::from(parameter)],
                    nargs: 3,
                    ctx: server.context,
                }),
                _ => Ok(NativeRet::Word(0)),
            }
        }
        N::SystemIsObjectDeletionSupported => Ok(bool_ret(true)),
        N::SystemRequestObjectDeletion => {
            env.jcre.deletion_requested = true;
            Ok(NativeRet::Void)
        }
        N::SystemMakeGlobalArray => {
            let kind = a.byte(0)?;
            let n = usize::try_from(a.short(1)?).map_err(|_| VmException::NegativeArraySize)?;
            let data = match kind {
                ARRAY_TYPE_BOOLEAN => ArrayData::Boolean(vec![0; n]),
                ARRAY_TYPE_BYTE => ArrayData::Byte(vec![0; n]),
                ARRAY_TYPE_SHORT => ArrayData::Short(vec![0; n]),
                ARRAY_TYPE_INT => ArrayData::Int(vec![0; n]),
                ARRAY_TYPE_OBJECT => ArrayData::Reference {
                    element: env.program.well_known.object.0,
                    items: vec![0; n],
                },
                _ => return Err(VmException::System(SYSTEM_ILLEGAL_VALUE).into()),
            };
            // A global array is a temporary JCRE entry point: every context may use it, no
            // one may store a reference to it (JCRE 3.0.5 §6.2.2).
            let r = env
                .heap
                .alloc_array(ContextId::JCRE, Memory::ClearOnReset, data)
                .map_err(|_| VmException::System(SYSTEM_NO_TRANSIENT_SPACE))?;
            env.heap.set_access(r, Access::GlobalArray)?;
            Ok(NativeRet::Word(r.word()))
        }
        N::SystemGetAvailableMemoryInt => {
            let buffer = a.obj(0)?;
            let off = i32::from(a.short(1)?);
            let free = match a.byte(2)? {
                MEMORY_TYPE_PERSISTENT => env.heap.persistent_available(),
                MEMORY_TYPE_TRANSIENT_RESET | MEMORY_TYPE_TRANSIENT_DESELECT => {
                    env.heap.transient_available()
                }
                _ => return Err(VmException::System(SYSTEM_ILLEGAL_VALUE).into()),
            };
            // The count as an int: high short first (JCSystem.getAvailableMemory(short[], ..)).
            let free = u32::try_from(free).unwrap_or(u32::MAX).min(i32::MAX as u32);
            let [b0, b1, b2, b3] = free.to_be_bytes();
            env.heap
                .store_short(buffer, off, i32::from(i16::from_be_bytes([b0, b1])), ctx)?;
            env.heap.store_short(
                buffer,
                off.saturating_add(1),
                i32::from(i16::from_be_bytes([b2, b3])),
                ctx,
            )?;
            Ok(NativeRet::Void)
        }
        N::SystemGetAssignedChannel => Ok(NativeRet::Word(i32::from(env.runtime.channel() as i8))),
        _ => Err(VmException::Security.into()),
    }
}
