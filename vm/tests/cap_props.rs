//! parse(write(x)) == x for components whose every model value has an encoding.

use jcos_vm::cap::{
    ClassExportInfo, ClassRef, ConstantPoolComponent, CpInfo, ExportComponent,
    ReferenceLocationComponent, StaticRef,
};
use proptest::prelude::*;

fn class_ref() -> impl Strategy<Value = ClassRef> {
    prop_oneof![
        (0u16..0x8000).prop_map(ClassRef::Internal),
        (0u8..0x80, any::<u8>()).prop_map(|(p, c)| ClassRef::External {
            package_token: p,
            class_token: c
        }),
    ]
}

fn static_ref() -> impl Strategy<Value = StaticRef> {
    prop_oneof![
        any::<u16>().prop_map(|offset| StaticRef::Internal { offset }),
        (0u8..0x80, any::<u8>(), any::<u8>()).prop_map(|(p, c, t)| StaticRef::External {
            package_token: p,
            class_token: c,
            token: t
        }),
    ]
}

fn cp_info() -> impl Strategy<Value = CpInfo> {
    prop_oneof![
        class_ref().prop_map(CpInfo::Classref),
        (class_ref(), any::<u8>())
            .prop_map(|(class, token)| CpInfo::InstanceFieldref { class, token }),
        (class_ref(), any::<u8>())
            .prop_map(|(class, token)| CpInfo::VirtualMethodref { class, token }),
        (class_ref(), any::<u8>())
            .prop_map(|(class, token)| CpInfo::SuperMethodref { class, token }),
        static_ref().prop_map(CpInfo::StaticFieldref),
        static_ref().prop_map(CpInfo::StaticMethodref),
    ]
}

proptest! {
    #[test]
    fn constant_pool_round_trips(entries in prop::collection::vec(cp_info(), 0..64)) {
        let cp = ConstantPoolComponent { constant_pool: entries };
        let bytes = cp.info_bytes().unwrap();
        prop_assert_eq!(bytes.len(), 2 + 4 * cp.constant_pool.len());
        prop_assert_eq!(ConstantPoolComponent::parse(&bytes).unwrap(), cp);
    }

    #[test]
    fn reference_locations_round_trip(
        a in prop::collection::btree_set(1u16.., 0..200),
        b in prop::collection::btree_set(1u16.., 0..200),
    ) {
        let rl = ReferenceLocationComponent {
            offsets_to_byte_indices: a.into_iter().collect(),
            offsets_to_byte2_indices: b.into_iter().collect(),
        };
        let bytes = rl.info_bytes().unwrap();
        prop_assert_eq!(ReferenceLocationComponent::parse(&bytes).unwrap(), rl);
    }

    #[test]
    fn exports_round_trip(classes in prop::collection::vec(
        (any::<u16>(), prop::collection::vec(any::<u16>(), 0..8), prop::collection::vec(any::<u16>(), 0..8)),
        0..16,
    )) {
        let e = ExportComponent {
            class_exports: classes
                .into_iter()
                .map(|(class_offset, f, m)| ClassExportInfo {
                    class_offset,
                    static_field_offsets: f,
                    static_method_offsets: m,
                })
                .collect(),
        };
        prop_assert_eq!(ExportComponent::parse(&e.info_bytes().unwrap()).unwrap(), e);
    }

    /// Whatever a component parser accepts, its writer gives back unchanged.
    #[test]
    fn accepted_bytes_are_written_back_unchanged(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        use jcos_vm::cap::*;
        macro_rules! same {
            ($parsed:expr) => {
                if let Ok(c) = $parsed {
                    prop_assert_eq!(c.info_bytes().unwrap(), bytes.clone());
                }
            };
        }
        same!(HeaderComponent::parse(&bytes));
        same!(DirectoryComponent::parse(&bytes, CapFormat::V2_1));
        same!(DirectoryComponent::parse(&bytes, CapFormat::V2_2));
        same!(AppletComponent::parse(&bytes));
        same!(ImportComponent::parse(&bytes));
        same!(ConstantPoolComponent::parse(&bytes));
        same!(ClassComponent::parse(&bytes, CapFormat::V2_1));
        same!(ClassComponent::parse(&bytes, CapFormat::V2_2));
        same!(StaticFieldComponent::parse(&bytes));
        same!(ReferenceLocationComponent::parse(&bytes));
        same!(ExportComponent::parse(&bytes));
        same!(DescriptorComponent::parse(&bytes));
        same!(DebugComponent::parse(&bytes));
        if let Ok(m) = MethodComponent::parse(&bytes) {
            prop_assert_eq!(m.info_bytes().unwrap(), bytes.clone());
            for o in 0..bytes.len() as u16 {
                let _ = m.method_at(o, 3);
            }
        }
        let _ = CapFile::from_bytes(&bytes);
    }
}
