//! Negative tests: each takes a golden CAP, changes one thing, and checks that the verifier
//! rejects it with the right kind of error at the right place. The methods and bytecodes
//! changed are located by their code as listed in the reference converter's `.jca` files.

mod verify_common;

use jcos_vm::cap::{CapFile, ClassRef, ComponentTag, CpInfo, StaticRef};
use jcos_vm::isa::{decode, Opcode, Operands};
use jcos_vm::verify::{verify, ImportSet, VerifyError, VerifyErrorKind};

/// A method located by its exact bytecode.
#[derive(Debug, Clone, Copy)]
struct Located {
    /// Offset of its `method_info` in the Method component.
    method_offset: u16,
    /// Offset of its first bytecode in the Method component.
    bytecode_offset: u16,
    /// Bytecode length.
    len: usize,
    /// Index of its first exception handler.
    first_handler: u16,
}

fn locate(cap: &CapFile, code: &[u8]) -> Located {
    let found: Vec<Located> = cap
        .methods()
        .unwrap()
        .into_iter()
        .filter_map(|e| {
            let m = e.method?;
            (m.bytecodes == code).then_some(Located {
                method_offset: m.offset,
                bytecode_offset: m.bytecode_offset,
                len: m.bytecodes.len(),
                first_handler: e.descriptor.exception_handler_index,
            })
        })
        .collect();
    assert_eq!(found.len(), 1, "exactly one method with code {code:02x?}");
    found[0]
}

/// Sets byte `pc` of the method's bytecode.
fn poke(cap: &mut CapFile, m: Located, pc: usize, byte: u8) {
    let at = usize::from(m.bytecode_offset) + pc - cap.method.methods_offset();
    cap.method.methods[at] = byte;
}

fn reject(cap: &CapFile) -> VerifyError {
    match verify(cap, &verify_common::imports_with_names()) {
        Ok(r) => panic!("verified although broken: {r:?}"),
        Err(e) => {
            println!("{e}");
            e
        }
    }
}

/// Asserts a bytecode error at `pc` of method `m`.
fn assert_at(e: &VerifyError, m: Located, pc: u16) {
    let i = e.info();
    assert_eq!(i.component, ComponentTag::METHOD, "{e}");
    assert_eq!(i.pc, Some(pc), "{e}");
    assert_eq!(
        i.offset,
        Some(usize::from(m.bytecode_offset) + usize::from(pc)),
        "{e}"
    );
    assert!(i.method.is_some(), "{e}");
}

// golden/ops/Ops.fact(S)S (ops.jca):
//   0 sload_0; 1 sconst_1; 2 if_scmpgt L2(+5); 4 sconst_1; 5 goto L3(+10);
//   7 sload_0; 8 sload_0; 9 sconst_1; 10 ssub; 11 invokestatic 66; 14 smul; 15 sreturn
const FACT: [u8; 16] = [
    0x1C, 0x04, 0x6E, 0x05, 0x04, 0x70, 0x0A, 0x1C, 0x1C, 0x04, 0x43, 0x8D, 0x00, 0x42, 0x45, 0x78,
];
// golden/ops/Shape.describe()S: aload_0; invokevirtual 7; getfield_s_this 0; sadd; sreturn
const DESCRIBE: [u8; 8] = [0x18, 0x8B, 0x00, 0x07, 0xAF, 0x00, 0x41, 0x78];
// golden/ops/Ops.put([BSS)S: aload_0; sload_1; sload_2; invokestatic 32; sreturn
const PUT: [u8; 7] = [0x18, 0x1D, 0x1E, 0x8D, 0x00, 0x20, 0x78];
// golden/ops/Shape.<init>(S)V: aload_0; invokespecial 5; sload_1; putfield_s_this 0; return
const SHAPE_INIT: [u8; 8] = [0x18, 0x8C, 0x00, 0x05, 0x1D, 0xB7, 0x00, 0x7A];

fn ops() -> Option<CapFile> {
    verify_common::fixture("ops").map(|g| g.cap)
}

#[test]
fn golden_ops_verifies_before_mutation() {
    let Some(cap) = ops() else { return };
    verify(&cap, &verify_common::imports()).unwrap();
    // The located methods exist exactly once.
    for code in [&FACT[..], &DESCRIBE, &PUT, &SHAPE_INIT] {
        locate(&cap, code);
    }
}

#[test]
fn branch_into_the_middle_of_an_instruction() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    // if_scmpgt at 2 jumps +10 to 12, inside invokestatic (11..14).
    poke(&mut cap, m, 3, 10);
    let e = reject(&cap);
    assert_eq!(e.kind(), &VerifyErrorKind::BranchTarget { target: 12 });
    assert_at(&e, m, 2);
}

#[test]
fn branch_before_the_method() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    poke(&mut cap, m, 3, 0xF0); // -16 from pc 2
    let e = reject(&cap);
    assert_eq!(e.kind(), &VerifyErrorKind::BranchTarget { target: -14 });
    assert_at(&e, m, 2);
}

#[test]
fn sload_of_a_reference_local() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &PUT);
    poke(&mut cap, m, 0, 0x1C); // aload_0 -> sload_0; local 0 is the byte[] parameter
    let e = reject(&cap);
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::TypeMismatch {
            expected: "short in local 0".into(),
            found: "byte[]".into()
        }
    );
    assert_at(&e, m, 0);
}

#[test]
fn max_stack_one_too_small() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    // Compact header: flags and max_stack (3) in the first byte. The stack first holds three
    // words at pc 9 (sload_0, sload_0, sconst_1).
    let h = usize::from(m.method_offset) - cap.method.methods_offset();
    assert_eq!(cap.method.methods[h] & 0x0F, 3);
    cap.method.methods[h] -= 1;
    let e = reject(&cap);
    assert_eq!(e.kind(), &VerifyErrorKind::StackOverflow { max_stack: 2 });
    assert_at(&e, m, 9);
}

#[test]
fn stack_underflow() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    poke(&mut cap, m, 7, 0x00); // sload_0 -> nop: smul at 14 finds one word
    let e = reject(&cap);
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::StackUnderflow {
            needed: 2,
            depth: 1
        }
    );
    assert_at(&e, m, 14);
}

#[test]
fn wrong_constant_pool_kind_for_getfield() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &DESCRIBE);
    // getfield_s_this 0 -> getfield_s_this 19, a StaticFieldref (Ops.sCount).
    assert!(matches!(
        cap.constant_pool.get(19),
        Some(CpInfo::StaticFieldref(_))
    ));
    poke(&mut cap, m, 5, 19);
    let e = reject(&cap);
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::ConstantPoolKind {
            index: 19,
            expected: "InstanceFieldref",
            found: "StaticFieldref"
        }
    );
    assert_at(&e, m, 4);
}

#[test]
fn getfield_of_a_field_of_the_wrong_type() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &DESCRIBE);
    poke(&mut cap, m, 4, 0xAD); // getfield_s_this -> getfield_a_this on a short field
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::TypeMismatch { expected, .. } if expected == "a reference field"),
        "{e}"
    );
    assert_at(&e, m, 4);
}

/// golden/ops/Ops.exceptions([B)S, the one method with six exception handlers (ops.jca).
fn exceptions_method(cap: &CapFile) -> (Located, Vec<u8>) {
    let code = cap
        .methods()
        .unwrap()
        .into_iter()
        .filter(|e| e.handlers.len() == 6)
        .map(|e| e.method.unwrap().bytecodes.to_vec())
        .collect::<Vec<_>>();
    assert_eq!(code.len(), 1);
    let m = locate(cap, &code[0]);
    (m, code[0].clone())
}

#[test]
fn handler_entry_off_an_instruction_boundary() {
    let Some(mut cap) = ops() else { return };
    let (m, code) = exceptions_method(&cap);
    // Its first handler (L1 L2 L3 55) enters at L3, `astore 4` (two bytes).
    let h = usize::from(m.first_handler);
    let entry = cap.method.exception_handlers[h].handler_offset;
    let rel = usize::from(entry - m.bytecode_offset);
    assert_eq!(decode(&code, rel).unwrap().opcode, Opcode::Astore);
    cap.method.exception_handlers[h].handler_offset += 1;
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Handler(w) if w.contains("not the start of an instruction")),
        "{e}"
    );
    assert_eq!(e.info().component, ComponentTag::METHOD);
    assert_eq!(e.info().offset, Some(1 + 8 * h), "{e}");
}

#[test]
fn handler_range_end_off_an_instruction_boundary() {
    let Some(mut cap) = ops() else { return };
    let (m, code) = exceptions_method(&cap);
    // Its fifth handler (L1 L7 L8 18) ends at L7, `goto L10` (two bytes).
    let h = usize::from(m.first_handler) + 4;
    let end = cap.method.exception_handlers[h].end_offset() as u16;
    let rel = usize::from(end - m.bytecode_offset);
    assert_eq!(decode(&code, rel).unwrap().opcode, Opcode::Goto);
    cap.method.exception_handlers[h].active_length += 1;
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Handler(w) if w.contains("boundaries")),
        "{e}"
    );
    assert_eq!(e.info().offset, Some(1 + 8 * h), "{e}");
}

#[test]
fn handler_catching_a_class_that_is_not_throwable() {
    let Some(mut cap) = ops() else { return };
    let (m, _) = exceptions_method(&cap);
    // Catch golden.ops.Shape (constant pool entry 47, a Classref) instead of ISOException.
    assert!(matches!(
        cap.constant_pool.get(47),
        Some(CpInfo::Classref(_))
    ));
    cap.method.exception_handlers[usize::from(m.first_handler)].catch_type_index = 47;
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Handler(w) if w.contains("Throwable")),
        "{e}"
    );
    assert_eq!(e.info().component, ComponentTag::METHOD);
    assert_eq!(
        e.info().offset,
        Some(1 + 8 * usize::from(m.first_handler)),
        "{e}"
    );
}

#[test]
fn invokestatic_with_a_wrong_argument_type() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    poke(&mut cap, m, 9, 0x01); // sconst_1 -> aconst_null
    poke(&mut cap, m, 10, 0x00); // ssub -> nop: fact(S)S now gets null
    let e = reject(&cap);
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::TypeMismatch {
            expected: "short".into(),
            found: "null".into()
        }
    );
    assert_at(&e, m, 11);
}

#[test]
fn local_variable_out_of_range() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    // fact has one parameter and no other locals: sload_0 -> sload_1.
    poke(&mut cap, m, 0, 0x1D);
    let e = reject(&cap);
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::LocalIndex { index: 1, count: 1 }
    );
    assert_at(&e, m, 0);
}

#[test]
fn checkcast_to_an_unknown_array_type() {
    let Some(mut cap) = ops() else { return };
    // aload_0; checkcast atype 9 (not a type code); pop; sconst_0; sreturn; nop
    let m = replace_describe(&mut cap, [0x18, 0x94, 0x09, 0x00, 0x00, 0x3B, 0x03, 0x78]);
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::BadOperand(w) if w.contains("array type 9")),
        "{e}"
    );
    assert_at(&e, m, 1);
}

#[test]
fn anewarray_of_a_field_reference() {
    let Some(mut cap) = ops() else { return };
    // sconst_2; anewarray 0 (an InstanceFieldref); pop; sconst_0; sreturn; nop; nop
    let m = replace_describe(&mut cap, [0x05, 0x91, 0x00, 0x00, 0x3B, 0x03, 0x78, 0x00]);
    let e = reject(&cap);
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::ConstantPoolKind {
            index: 0,
            expected: "Classref",
            found: "InstanceFieldref"
        }
    );
    assert_at(&e, m, 1);
}

#[test]
fn method_falls_off_the_end() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    poke(&mut cap, m, 15, 0x00); // sreturn -> nop
    let e = reject(&cap);
    assert_eq!(e.kind(), &VerifyErrorKind::FallsOffEnd);
    assert_at(&e, m, 15);
}

#[test]
fn int_instruction_in_a_package_without_int() {
    let Some(mut cap) = ops() else { return };
    assert!(!cap.header.uses_int());
    let m = locate(&cap, &FACT);
    poke(&mut cap, m, 10, 0x44); // ssub -> isub
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::IntNotSupported(w) if w.contains("isub")),
        "{e}"
    );
    assert_at(&e, m, 10);
}

#[test]
fn constructor_returns_without_calling_super() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &SHAPE_INIT);
    // aload_0; invokespecial 5 -> aload_0; pop; nop; nop
    poke(&mut cap, m, 1, 0x3B);
    poke(&mut cap, m, 2, 0x00);
    poke(&mut cap, m, 3, 0x00);
    let e = reject(&cap);
    assert!(matches!(e.kind(), VerifyErrorKind::Uninitialized(_)), "{e}");
    assert_at(&e, m, 7);
}

#[test]
fn bad_superclass_token() {
    let Some(mut cap) = ops() else { return };
    // Ops extends javacard.framework.Applet (1.3); class token 200 does not exist.
    let applet = ClassRef::External {
        package_token: 1,
        class_token: 3,
    };
    let i = cap
        .class
        .classes
        .iter()
        .position(|c| c.super_class_ref == applet)
        .unwrap();
    cap.class.classes[i].super_class_ref = ClassRef::External {
        package_token: 1,
        class_token: 200,
    };
    let offset = cap
        .class
        .item_offsets()
        .into_iter()
        .find(|(_, it)| *it == jcos_vm::cap::ClassItem::Class(i))
        .unwrap()
        .0;
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Unresolved(w) if w.contains("class token 200")),
        "{e}"
    );
    assert_eq!(e.info().component, ComponentTag::CLASS);
    assert_eq!(e.info().offset, Some(usize::from(offset)));
}

#[test]
fn superclass_that_is_an_interface() {
    let Some(mut cap) = ops() else { return };
    let applet = ClassRef::External {
        package_token: 1,
        class_token: 3,
    };
    let i = cap
        .class
        .classes
        .iter()
        .position(|c| c.super_class_ref == applet)
        .unwrap();
    // javacard.framework.Shareable is class token 2 of javacard.framework (ops.jca).
    cap.class.classes[i].super_class_ref = ClassRef::External {
        package_token: 1,
        class_token: 2,
    };
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Hierarchy(w) if w.contains("Shareable is an interface")),
        "{e}"
    );
}

#[test]
fn cyclic_superclasses() {
    let Some(mut cap) = ops() else { return };
    // Shape extends Object; Rect extends Shape; Square extends Rect. Make Shape extend Square.
    let object = ClassRef::External {
        package_token: 0,
        class_token: 0,
    };
    let offsets = cap.class.item_offsets();
    let off = |i: usize| {
        offsets
            .iter()
            .find(|(_, it)| *it == jcos_vm::cap::ClassItem::Class(i))
            .unwrap()
            .0
    };
    let shape = (0..cap.class.classes.len())
        .find(|&i| {
            cap.class.classes[i].super_class_ref == object
                && cap
                    .class
                    .classes
                    .iter()
                    .any(|c| c.super_class_ref == ClassRef::Internal(off(i)))
        })
        .unwrap();
    let rect = (0..cap.class.classes.len())
        .find(|&i| cap.class.classes[i].super_class_ref == ClassRef::Internal(off(shape)))
        .unwrap();
    let square = (0..cap.class.classes.len())
        .find(|&i| cap.class.classes[i].super_class_ref == ClassRef::Internal(off(rect)))
        .unwrap();
    cap.class.classes[shape].super_class_ref = ClassRef::Internal(off(square));
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Hierarchy(w) if w.contains("cyclic")),
        "{e}"
    );
    assert_eq!(e.info().component, ComponentTag::CLASS);
}

#[test]
fn private_method_called_from_another_class() {
    let Some(mut cap) = ops() else { return };
    // Constant pool entry 11 is Square.<init>(S)V, called from Ops.<init>.
    let Some(CpInfo::StaticMethodref(StaticRef::Internal { offset })) =
        cap.constant_pool.get(11).copied()
    else {
        panic!("entry 11 is an internal static method reference");
    };
    let d = cap
        .descriptor
        .classes
        .iter_mut()
        .flat_map(|c| c.methods.iter_mut())
        .find(|d| d.method_offset == offset)
        .unwrap();
    d.access_flags = (d.access_flags & !0x05) | 0x02; // ACC_PRIVATE
                                                      // Every `invokespecial 11` of the package: (method offset, pc).
    let mut sites = Vec::new();
    for e in cap.methods().unwrap() {
        let Some(m) = e.method else { continue };
        let mut pc = 0;
        while pc < m.bytecodes.len() {
            let insn = decode(m.bytecodes, pc).unwrap();
            if insn.opcode == Opcode::Invokespecial && insn.operands == Operands::Cp(11) {
                sites.push((usize::from(m.bytecode_offset) + pc, pc as u16));
            }
            pc += insn.len;
        }
    }
    assert_eq!(sites.len(), 2);
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Access(w) if w.contains("private")),
        "{e}"
    );
    assert!(
        sites.contains(&(e.info().offset.unwrap(), e.info().pc.unwrap())),
        "{e} at one of {sites:?}"
    );
}

#[test]
fn install_method_with_the_wrong_signature() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    cap.applet.as_mut().unwrap().applets[0].install_method_offset = m.method_offset;
    let e = reject(&cap);
    assert!(matches!(e.kind(), VerifyErrorKind::Applet(_)), "{e}");
    assert_eq!(e.info().component, ComponentTag::APPLET);
}

#[test]
fn array_initialiser_of_the_wrong_type() {
    let Some(mut cap) = ops() else { return };
    // The first initialised array is Ops.TABLE, a byte[] of 16 values; call it a short[].
    assert_eq!(cap.static_field.array_init[0].type_, 3);
    cap.static_field.array_init[0].type_ = 4;
    let e = reject(&cap);
    assert!(matches!(e.kind(), VerifyErrorKind::StaticField(_)), "{e}");
    assert_eq!(e.info().component, ComponentTag::STATIC_FIELD);
}

#[test]
fn swapped_virtual_method_table_entries() {
    let Some(mut cap) = ops() else { return };
    let c = cap
        .class
        .classes
        .iter_mut()
        .find(|c| c.package_virtual_method_table.len() == 2)
        .unwrap();
    c.package_virtual_method_table.swap(0, 1);
    let e = reject(&cap);
    assert!(matches!(e.kind(), VerifyErrorKind::MethodTable(_)), "{e}");
    assert_eq!(e.info().component, ComponentTag::CLASS);
}

#[test]
fn constant_pool_type_that_disagrees_with_the_member() {
    let Some(mut cap) = ops() else { return };
    // Entry 66 is Ops.fact(S)S; give it the type of entry 67, Ops.ack(SS)S.
    let t = cap.descriptor.types.constant_pool_types[67];
    cap.descriptor.types.constant_pool_types[66] = t;
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::Descriptor(w) if w.contains("entry 66")),
        "{e}"
    );
}

#[test]
fn reference_location_missing_an_index() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    // invokestatic 66 at pc 11: its index is at pc 12.
    let at = m.bytecode_offset + 12;
    let list = &mut cap.reference_location.offsets_to_byte2_indices;
    let before = list.len();
    list.retain(|o| *o != at);
    assert_eq!(list.len(), before - 1);
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::ReferenceLocation(_)),
        "{e}"
    );
}

/// Replaces Shape.describe()S with `code` (same length) and drops its reference locations.
fn replace_describe(cap: &mut CapFile, code: [u8; 8]) -> Located {
    let m = locate(cap, &DESCRIBE);
    for (pc, b) in code.iter().enumerate() {
        poke(cap, m, pc, *b);
    }
    let range = m.bytecode_offset..m.bytecode_offset + m.len as u16;
    cap.reference_location
        .offsets_to_byte_indices
        .retain(|o| !range.contains(o));
    cap.reference_location
        .offsets_to_byte2_indices
        .retain(|o| !range.contains(o));
    m
}

#[test]
fn jsr_and_ret_verify() {
    let Some(mut cap) = ops() else { return };
    // 0 jsr +5; 3 sconst_0; 4 sreturn; 5 astore_0; 6 ret 0
    replace_describe(&mut cap, [0x71, 0x00, 0x05, 0x03, 0x78, 0x2B, 0x72, 0x00]);
    verify(&cap, &verify_common::imports()).unwrap();
}

#[test]
fn ret_of_a_local_without_a_return_address() {
    let Some(mut cap) = ops() else { return };
    // As above, but the subroutine pops its return address: local 0 still holds `this`.
    let m = replace_describe(&mut cap, [0x71, 0x00, 0x05, 0x03, 0x78, 0x3B, 0x72, 0x00]);
    let e = reject(&cap);
    assert!(
        matches!(e.kind(), VerifyErrorKind::TypeMismatch { expected, .. } if expected == "returnAddress in local 0"),
        "{e}"
    );
    assert_at(&e, m, 6);
}

#[test]
fn recursive_subroutine() {
    let Some(mut cap) = ops() else { return };
    // 0 jsr +5; 3 sconst_0; 4 sreturn; 5 jsr +0 (itself); 8.. would follow
    let m = replace_describe(&mut cap, [0x71, 0x00, 0x05, 0x03, 0x78, 0x71, 0x00, 0x00]);
    let e = reject(&cap);
    assert!(matches!(e.kind(), VerifyErrorKind::Subroutine(_)), "{e}");
    assert_at(&e, m, 5);
}

#[test]
fn bad_dup_x_shape() {
    let Some(mut cap) = ops() else { return };
    // aload_0; dup_x 0x13 (m 1, n 3 needs three words; shape valid but the stack holds one)
    let m = replace_describe(&mut cap, [0x18, 0x3F, 0x13, 0x3B, 0x3B, 0x03, 0x78, 0x00]);
    let e = reject(&cap);
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::StackUnderflow {
            needed: 3,
            depth: 1
        }
    );
    assert_at(&e, m, 1);
    // n below m is not a shape at all.
    let mut cap = ops().unwrap();
    let m = replace_describe(&mut cap, [0x18, 0x3F, 0x21, 0x3B, 0x3B, 0x03, 0x78, 0x00]);
    let e = reject(&cap);
    assert!(matches!(e.kind(), VerifyErrorKind::BadOperand(_)), "{e}");
    assert_at(&e, m, 1);
}

#[test]
fn missing_import() {
    let Some(cap) = ops() else { return };
    let e = verify(&cap, &ImportSet::new()).unwrap_err();
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::MissingImport {
            aid: "A0000000620001".into(),
            major: 1,
            minor: 0
        }
    );
    assert_eq!(e.info().component, ComponentTag::IMPORT);
    assert_eq!(e.info().offset, Some(1));
}

fn server_view() -> jcos_vm::export::PackageView {
    let exp = std::fs::read(verify_common::golden_dir().join("sio-server/server.exp")).unwrap();
    jcos_vm::export::parse(&exp).unwrap().package().unwrap()
}

#[test]
fn import_versions() {
    let Some(client) = verify_common::fixture("sio-client") else {
        return;
    };
    // The client imports sio-server 1.0 (fixture.env): a 1.3 server is compatible, 2.0 is not.
    let mut view = server_view();
    view.version.minor = 3;
    let set = ImportSet::builtin().unwrap().with(view.clone());
    verify(&client.cap, &set).unwrap();
    view.version = jcos_vm::export::PackageVersion { major: 2, minor: 0 };
    let set = ImportSet::builtin().unwrap().with(view);
    let e = verify(&client.cap, &set).unwrap_err();
    assert_eq!(
        e.kind(),
        &VerifyErrorKind::IncompatibleImport {
            aid: "F04A434F531003".into(),
            major: 1,
            minor: 0,
            found_major: 2,
            found_minor: 0
        }
    );
}

#[test]
fn package_visible_member_of_another_package() {
    let Some(client) = verify_common::fixture("sio-client") else {
        return;
    };
    // Make every method of the server's exported classes package-visible.
    let mut view = server_view();
    for c in &mut view.classes {
        for m in &mut c.methods {
            m.access &=
                !(jcos_vm::export::access::ACC_PUBLIC | jcos_vm::export::access::ACC_PROTECTED);
        }
    }
    let set = ImportSet::builtin().unwrap().with(view);
    let e = verify(&client.cap, &set).unwrap_err();
    assert!(
        matches!(e.kind(), VerifyErrorKind::Access(w) if w.contains("package-visible")),
        "{e}"
    );
    assert!(e.info().pc.is_some(), "{e}");
}

#[test]
fn error_display_names_component_method_and_pc() {
    let Some(mut cap) = ops() else { return };
    let m = locate(&cap, &FACT);
    poke(&mut cap, m, 15, 0x00);
    let e = reject(&cap).to_string();
    let want_offset = format!("offset {:#x}", usize::from(m.bytecode_offset) + 15);
    assert!(e.starts_with("Method component, "), "{e}");
    assert!(e.contains(&want_offset), "{e}");
    assert!(e.contains("pc 0x000f"), "{e}");
    assert!(
        e.ends_with("execution falls off the end of the code"),
        "{e}"
    );
}
