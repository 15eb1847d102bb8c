//! The opcode table against JCVM 3.0.5 chapter 7/8 ("Instructions by Opcode Value").

use jcos_vm::isa::{Flow, Format, Opcode};

/// Spot values transcribed from the specification's table of instructions by opcode value.
const SPEC: &[(u8, &str)] = &[
    (0x00, "nop"),
    (0x01, "aconst_null"),
    (0x02, "sconst_m1"),
    (0x08, "sconst_5"),
    (0x09, "iconst_m1"),
    (0x10, "bspush"),
    (0x11, "sspush"),
    (0x12, "bipush"),
    (0x13, "sipush"),
    (0x14, "iipush"),
    (0x15, "aload"),
    (0x18, "aload_0"),
    (0x1F, "sload_3"),
    (0x23, "iload_3"),
    (0x24, "aaload"),
    (0x27, "iaload"),
    (0x2B, "astore_0"),
    (0x37, "aastore"),
    (0x3B, "pop"),
    (0x3F, "dup_x"),
    (0x40, "swap_x"),
    (0x41, "sadd"),
    (0x42, "iadd"),
    (0x51, "sushr"),
    (0x59, "sinc"),
    (0x5A, "iinc"),
    (0x5B, "s2b"),
    (0x5F, "icmp"),
    (0x60, "ifeq"),
    (0x66, "ifnull"),
    (0x6B, "if_scmpne"),
    (0x70, "goto"),
    (0x71, "jsr"),
    (0x72, "ret"),
    (0x73, "stableswitch"),
    (0x74, "itableswitch"),
    (0x75, "slookupswitch"),
    (0x76, "ilookupswitch"),
    (0x77, "areturn"),
    (0x7A, "return"),
    (0x7B, "getstatic_a"),
    (0x83, "getfield_a"),
    (0x8B, "invokevirtual"),
    (0x8C, "invokespecial"),
    (0x8D, "invokestatic"),
    (0x8E, "invokeinterface"),
    (0x8F, "new"),
    (0x90, "newarray"),
    (0x93, "athrow"),
    (0x94, "checkcast"),
    (0x95, "instanceof"),
    (0x96, "sinc_w"),
    (0x97, "iinc_w"),
    (0x98, "ifeq_w"),
    (0xA8, "goto_w"),
    (0xA9, "getfield_a_w"),
    (0xAD, "getfield_a_this"),
    (0xB1, "putfield_a_w"),
    (0xB8, "putfield_i_this"),
    (0xFE, "impdep1"),
    (0xFF, "impdep2"),
];

#[test]
fn spot_values_match_the_specification() {
    for &(byte, mnemonic) in SPEC {
        let op = Opcode::from_byte(byte).unwrap_or_else(|| panic!("0x{byte:02x} undefined"));
        assert_eq!(op.mnemonic(), mnemonic, "opcode 0x{byte:02x}");
        assert_eq!(op.byte(), byte);
    }
}

#[test]
fn defined_range_is_0x00_to_0xb8_plus_impdep() {
    // Chapter 8 defines every value 0..=184 and the two reserved ones, nothing else.
    let defined: Vec<u8> = (0..=255u8)
        .filter(|b| Opcode::from_byte(*b).is_some())
        .collect();
    let expected: Vec<u8> = (0x00..=0xB8).chain([0xFE, 0xFF]).collect();
    assert_eq!(defined, expected);
    assert_eq!(Opcode::ALL.len(), 187);
    let mut names: Vec<&str> = Opcode::ALL.iter().map(|o| o.mnemonic()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 187, "mnemonics are unique");
}

#[test]
fn operand_lengths_follow_chapter_7_formats() {
    let len = |b: u8| Opcode::from_byte(b).and_then(|o| o.format().fixed_len());
    assert_eq!(len(0x10), Some(2)); // bspush byte
    assert_eq!(len(0x11), Some(3)); // sspush byte1 byte2
    assert_eq!(len(0x14), Some(5)); // iipush byte1..byte4
    assert_eq!(len(0x59), Some(3)); // sinc index const
    assert_eq!(len(0x96), Some(4)); // sinc_w index byte1 byte2
    assert_eq!(len(0x60), Some(2)); // ifeq branch
    assert_eq!(len(0x98), Some(3)); // ifeq_w branchbyte1 branchbyte2
    assert_eq!(len(0x71), Some(3)); // jsr branchbyte1 branchbyte2
    assert_eq!(len(0x72), Some(2)); // ret index
    assert_eq!(len(0x83), Some(2)); // getfield_a index
    assert_eq!(len(0xA9), Some(3)); // getfield_a_w indexbyte1 indexbyte2
    assert_eq!(len(0xAD), Some(2)); // getfield_a_this index
    assert_eq!(len(0x7B), Some(3)); // getstatic_a indexbyte1 indexbyte2
    assert_eq!(len(0x8E), Some(5)); // invokeinterface nargs indexbyte1 indexbyte2 method
    assert_eq!(len(0x94), Some(4)); // checkcast atype indexbyte1 indexbyte2
    assert_eq!(len(0x90), Some(2)); // newarray atype
    assert_eq!(len(0x3F), Some(2)); // dup_x mn
    for b in 0x73..=0x76 {
        assert_eq!(len(b), None, "switch 0x{b:02x} is variable length");
    }
}

#[test]
fn int_subset_is_exactly_the_int_instructions() {
    let int: Vec<&str> = Opcode::ALL
        .iter()
        .filter(|o| o.is_int())
        .map(|o| o.mnemonic())
        .collect();
    // Every mnemonic of the int subset names int (or converts to/from it); none of the short,
    // byte or reference forms do.
    for m in &int {
        assert!(
            m.starts_with('i')
                || m.ends_with("_i")
                || m.contains("_i_")
                || *m == "s2i"
                || *m == "bipush"
                || *m == "sipush",
            "{m} marked int"
        );
    }
    for m in [
        "iadd",
        "iipush",
        "itableswitch",
        "ilookupswitch",
        "iinc_w",
        "getfield_i_this",
        "putstatic_i",
        "s2i",
        "icmp",
        "ireturn",
    ] {
        assert!(int.contains(&m), "{m} missing from int subset");
    }
    for m in [
        "sadd",
        "instanceof",
        "invokeinterface",
        "ifeq",
        "iflt",
        "if_scmpeq",
    ] {
        assert!(!int.contains(&m), "{m} wrongly in int subset");
    }
}

#[test]
fn block_ends_and_flow() {
    let op = |b: u8| Opcode::from_byte(b).unwrap_or(Opcode::Nop);
    for b in [
        0x60, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x76, 0x77, 0x7A, 0x93, 0x98, 0xA8,
    ] {
        assert!(op(b).ends_block(), "{} ends a block", op(b));
    }
    for b in [0x00, 0x41, 0x8B, 0x8E, 0x8D, 0x59] {
        assert!(!op(b).ends_block(), "{} does not end a block", op(b));
    }
    assert_eq!(op(0x70).flow(), Flow::Goto);
    assert_eq!(op(0xA8).flow(), Flow::Goto);
    assert!(!op(0x70).falls_through());
    assert!(op(0x60).falls_through());
    assert!(!op(0x93).falls_through());
    assert_eq!(op(0x71).format(), Format::BranchWide);
}
