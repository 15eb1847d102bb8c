//! Decoding every operand form, switch tables with hostile counts, and the listing format.

use jcos_vm::isa::{decode, disassemble, listing, DecodeErrorKind, Insn, Opcode, Operands};
use proptest::prelude::*;

fn one(code: &[u8]) -> Insn {
    match decode(code, 0) {
        Ok(insn) => insn,
        Err(e) => panic!("{code:02x?}: {e}"),
    }
}

#[test]
fn immediate_forms_sign_extend() {
    assert_eq!(one(&[0x10, 0xFF]).operands, Operands::Push(-1)); // bspush
    assert_eq!(one(&[0x11, 0x03, 0xE8]).operands, Operands::Push(1000)); // sspush
    assert_eq!(one(&[0x11, 0x80, 0x00]).operands, Operands::Push(-32768));
    assert_eq!(one(&[0x12, 0x80]).operands, Operands::Push(-128)); // bipush
    assert_eq!(one(&[0x13, 0x7F, 0xFF]).operands, Operands::Push(32767)); // sipush
    let iipush = one(&[0x14, 0x80, 0x00, 0x00, 0x01]);
    assert_eq!(iipush.operands, Operands::Push(i32::MIN + 1));
    assert_eq!(iipush.len, 5);
}

#[test]
fn locals_and_increments() {
    assert_eq!(one(&[0x16, 0xFF]).operands, Operands::Local(255)); // sload
    assert_eq!(one(&[0x72, 0x04]).operands, Operands::Local(4)); // ret
    assert_eq!(
        one(&[0x59, 0x06, 0xFF]).operands, // sinc 6 -1
        Operands::Inc {
            index: 6,
            delta: -1
        }
    );
    let sinc_w = one(&[0x96, 0x02, 0xFC, 0x18]); // sinc_w 2 -1000
    assert_eq!(
        sinc_w.operands,
        Operands::Inc {
            index: 2,
            delta: -1000
        }
    );
    assert_eq!(sinc_w.len, 4);
    assert_eq!(
        one(&[0x97, 0x01, 0x7F, 0xFF]).operands, // iinc_w
        Operands::Inc {
            index: 1,
            delta: 32767
        }
    );
}

#[test]
fn branches_narrow_and_wide() {
    let ifeq = one(&[0x60, 0xFE]);
    assert_eq!(ifeq.operands, Operands::Branch(-2));
    assert_eq!(ifeq.branch_targets(10), vec![Some(8)]);
    assert_eq!(ifeq.branch_targets(1), vec![None]);
    let goto_w = one(&[0xA8, 0x01, 0x00]);
    assert_eq!(goto_w.operands, Operands::Branch(256));
    assert_eq!(goto_w.len, 3);
    assert_eq!(one(&[0x71, 0xFF, 0xF0]).operands, Operands::Branch(-16)); // jsr
}

#[test]
fn constant_pool_forms() {
    assert_eq!(one(&[0x85, 0x02]).operands, Operands::Cp(2)); // getfield_s
    assert_eq!(one(&[0xAF, 0x00]).operands, Operands::Cp(0)); // getfield_s_this
    assert_eq!(one(&[0xAB, 0x01, 0x02]).operands, Operands::Cp(0x102)); // getfield_s_w
    assert_eq!(one(&[0xB3, 0x00, 0x09]).operands, Operands::Cp(9)); // putfield_s_w
    assert_eq!(one(&[0x7D, 0x00, 0x13]).operands, Operands::Cp(19)); // getstatic_s
    assert_eq!(one(&[0x8D, 0x00, 0x1E]).operands, Operands::Cp(30)); // invokestatic
    assert_eq!(one(&[0x8F, 0x00, 0x0A]).operands, Operands::Cp(10)); // new
    assert_eq!(one(&[0x91, 0x00, 0x29]).operands, Operands::Cp(41)); // anewarray
}

#[test]
fn typed_and_structured_operands() {
    assert_eq!(one(&[0x90, 0x0B]).operands, Operands::ArrayType(11)); // newarray T_BYTE
    assert_eq!(
        one(&[0x94, 0x00, 0x00, 0x30]).operands, // checkcast 0 48
        Operands::TypeCheck {
            atype: 0,
            index: 48
        }
    );
    assert_eq!(
        one(&[0x95, 0x0B, 0x00, 0x00]).operands, // instanceof 11 0
        Operands::TypeCheck {
            atype: 11,
            index: 0
        }
    );
    let ii = one(&[0x8E, 0x04, 0x00, 0x15, 0x0A]); // invokeinterface 4 21 10
    assert_eq!(
        ii.operands,
        Operands::Interface {
            nargs: 4,
            index: 21,
            method: 10
        }
    );
    assert_eq!(ii.len, 5);
    assert_eq!(one(&[0x3F, 0x12]).operands, Operands::StackShape(0x12)); // dup_x
    assert_eq!(one(&[0x40, 0x11]).operands, Operands::StackShape(0x11)); // swap_x
}

#[test]
fn switch_tables() {
    // stableswitch default=+20 low=0 high=2 offsets 8, 12, 16
    let s = one(&[
        0x73, 0x00, 0x14, 0x00, 0x00, 0x00, 0x02, 0x00, 0x08, 0x00, 0x0C, 0x00, 0x10,
    ]);
    assert_eq!(
        s.operands,
        Operands::TableSwitch {
            default: 20,
            low: 0,
            high: 2,
            offsets: vec![8, 12, 16]
        }
    );
    assert_eq!(s.len, 13);
    assert_eq!(
        s.branch_targets(0x10),
        vec![Some(0x24), Some(0x18), Some(0x1C), Some(0x20)]
    );

    // itableswitch default=-4 low=-1 high=0
    let i = one(&[
        0x74, 0xFF, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0E, 0x00, 0x11,
    ]);
    assert_eq!(
        i.operands,
        Operands::TableSwitch {
            default: -4,
            low: -1,
            high: 0,
            offsets: vec![14, 17]
        }
    );
    assert_eq!(i.len, 15);

    // slookupswitch default=9 npairs=2 (-12800 -> 5) (500 -> 7)
    let l = one(&[
        0x75, 0x00, 0x09, 0x00, 0x02, 0xCE, 0x00, 0x00, 0x05, 0x01, 0xF4, 0x00, 0x07,
    ]);
    assert_eq!(
        l.operands,
        Operands::LookupSwitch {
            default: 9,
            pairs: vec![(-12800, 5), (500, 7)]
        }
    );
    assert_eq!(l.len, 13);

    // ilookupswitch default=3 npairs=1 (100000 -> 6)
    let il = one(&[
        0x76, 0x00, 0x03, 0x00, 0x01, 0x00, 0x01, 0x86, 0xA0, 0x00, 0x06,
    ]);
    assert_eq!(
        il.operands,
        Operands::LookupSwitch {
            default: 3,
            pairs: vec![(100_000, 6)]
        }
    );
    assert_eq!(il.len, 11);
}

#[test]
fn hostile_switch_headers_are_errors_not_allocations() {
    // low > high
    let e = decode(&[0x73, 0, 0, 0x00, 0x05, 0x00, 0x01], 0).unwrap_err();
    assert!(
        matches!(
            e.kind,
            DecodeErrorKind::SwitchRange {
                low: 5,
                high: 1,
                ..
            }
        ),
        "{e}"
    );
    // itableswitch spanning the whole int range: 2^32 entries announced, none present
    let e = decode(&[0x74, 0, 0, 0x80, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF], 0).unwrap_err();
    match e.kind {
        DecodeErrorKind::Truncated {
            needed, available, ..
        } => {
            assert_eq!(needed, 11 + 2 * (1u64 << 32));
            assert_eq!(available, 11);
        }
        other => panic!("unexpected {other}"),
    }
    // lookupswitch claiming 65535 pairs
    let e = decode(&[0x76, 0, 0, 0xFF, 0xFF, 0, 0], 0).unwrap_err();
    assert!(matches!(e.kind, DecodeErrorKind::Truncated { needed, .. } if needed == 5 + 65535 * 6));
}

#[test]
fn bad_opcodes_name_pc_and_byte() {
    let e = decode(&[0x00, 0xB9], 1).unwrap_err();
    assert_eq!(e.pc, 1);
    assert_eq!(e.kind, DecodeErrorKind::UnknownOpcode(0xB9));
    assert_eq!(e.to_string(), "bytecode at pc 0x0001: unknown opcode 0xb9");
    let e = decode(&[0xFE], 0).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::ReservedOpcode(0xFE));
    assert!(e.to_string().contains("impdep1"));
    let e = decode(&[0x11, 0x00], 0).unwrap_err();
    assert!(matches!(
        e.kind,
        DecodeErrorKind::Truncated {
            needed: 3,
            available: 2,
            ..
        }
    ));
    let e = decode(&[0x00], 1).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::PcOutOfRange { len: 1 });
}

#[test]
fn every_fixed_opcode_decodes_with_its_length() {
    for &op in Opcode::ALL {
        if op.is_reserved() {
            continue;
        }
        if let Some(len) = op.format().fixed_len() {
            let mut code = vec![0u8; len];
            code[0] = op.byte();
            let insn = one(&code);
            assert_eq!((insn.opcode, insn.len), (op, len));
            assert!(decode(&code[..len - 1], 0).is_err() || len == 1);
        }
    }
}

#[test]
fn listing_format() {
    let mut code = vec![0u8; 0x12];
    code.extend([0x11, 0x03, 0xE8]); // 0012: sspush 1000
    code.resize(0x20, 0x00);
    code.extend([0x98, 0x00, 0xE4]); // 0020: ifeq_w +0xE4
    code.extend([0x75, 0x00, 0x10, 0x00, 0x01, 0x00, 0x07, 0x00, 0x0C]); // 0023
    let text = listing(&code);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"  0012: sspush 1000"), "{text}");
    assert!(lines.contains(&"  0020: ifeq_w -> 0x0104"), "{text}");
    assert!(
        lines.contains(&"  0023: slookupswitch 1 pairs default -> 0x0033"),
        "{text}"
    );
    assert!(lines.contains(&"          7: -> 0x002f"), "{text}");
    let pcs: Vec<usize> = disassemble(&code)
        .map(|r| r.map(|(pc, _)| pc).unwrap_or(usize::MAX))
        .collect();
    assert_eq!(pcs.first(), Some(&0));
    assert_eq!(pcs.last(), Some(&0x23));
}

#[test]
fn disassembly_stops_at_the_first_error() {
    let items: Vec<_> = disassemble(&[0x00, 0x3B, 0xC0, 0x00]).collect();
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_ok());
    let e = items[2].as_ref().unwrap_err();
    assert_eq!((e.pc, &e.kind), (2, &DecodeErrorKind::UnknownOpcode(0xC0)));
    assert!(listing(&[0x00, 0xC0]).ends_with("  0001: <unknown opcode 0xc0>\n"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn arbitrary_bytes_never_panic(code in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut end = 0usize;
        for item in disassemble(&code) {
            match item {
                Ok((pc, insn)) => {
                    prop_assert_eq!(pc, end);
                    prop_assert!(insn.len >= 1);
                    end = pc + insn.len;
                    prop_assert!(end <= code.len());
                    let _ = insn.at(pc).to_string();
                    let _ = insn.branch_targets(pc);
                }
                Err(e) => {
                    prop_assert_eq!(e.pc, end);
                    let _ = e.to_string();
                }
            }
        }
        let _ = listing(&code);
    }

    #[test]
    fn switch_headers_never_panic(op in 0x73u8..=0x76, header in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut code = vec![op];
        code.extend(header);
        let _ = decode(&code, 0);
        let _ = listing(&code);
    }
}
