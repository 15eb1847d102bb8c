//! The export file parser: every count, length and constant pool index is checked, and every
//! error names the byte offset of the offending item.

use nom::bytes::complete::take;
use nom::number::complete::{be_i32, be_u16, be_u32, be_u8};
use nom::IResult;

use super::error::{ExportError, ExportErrorKind};
use super::model::{
    Attribute, ClassInfo, Constant, ConstantKind, ExportFile, FieldInfo, FormatVersion, MethodInfo,
    PackageConstant, MAGIC,
};

type NomErr<'a> = nom::error::Error<&'a [u8]>;

/// A position in the file; reads go through nom's complete parsers and fail with the offset
/// and the name of the item being read.
struct Cursor<'a> {
    len: usize,
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn pos(&self) -> usize {
        self.len.saturating_sub(self.rest.len())
    }

    fn run<T>(
        &mut self,
        what: &'static str,
        result: IResult<&'a [u8], T, NomErr<'a>>,
    ) -> Result<T, ExportError> {
        match result {
            Ok((rest, value)) => {
                self.rest = rest;
                Ok(value)
            }
            Err(_) => Err(ExportError::at(
                self.pos(),
                ExportErrorKind::Truncated { what },
            )),
        }
    }

    fn u1(&mut self, what: &'static str) -> Result<u8, ExportError> {
        self.run(what, be_u8(self.rest))
    }

    fn u2(&mut self, what: &'static str) -> Result<u16, ExportError> {
        self.run(what, be_u16(self.rest))
    }

    fn u4(&mut self, what: &'static str) -> Result<u32, ExportError> {
        self.run(what, be_u32(self.rest))
    }

    fn i4(&mut self, what: &'static str) -> Result<i32, ExportError> {
        self.run(what, be_i32(self.rest))
    }

    fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ExportError> {
        self.run(what, take(n)(self.rest))
    }
}

/// Checks that `index`, read at `offset` as `what`, names a constant of kind `expected`.
fn check_index(
    pool: &[Constant],
    index: u16,
    expected: ConstantKind,
    what: &'static str,
    offset: usize,
) -> Result<(), ExportError> {
    match pool.get(usize::from(index)) {
        None => Err(ExportError::at(
            offset,
            ExportErrorKind::IndexOutOfRange {
                what,
                index,
                count: pool.len(),
            },
        )),
        Some(c) if c.kind() != expected => Err(ExportError::at(
            offset,
            ExportErrorKind::WrongConstant {
                what,
                index,
                expected: expected.name(),
                found: c.kind().name(),
            },
        )),
        Some(_) => Ok(()),
    }
}

/// Reads a u2 constant pool index and checks the kind of constant it names.
fn cp_ref(
    cur: &mut Cursor<'_>,
    pool: &[Constant],
    expected: ConstantKind,
    what: &'static str,
) -> Result<u16, ExportError> {
    let offset = cur.pos();
    let index = cur.u2(what)?;
    check_index(pool, index, expected, what, offset)?;
    Ok(index)
}

pub(super) fn export_file(bytes: &[u8]) -> Result<ExportFile, ExportError> {
    let mut cur = Cursor {
        len: bytes.len(),
        rest: bytes,
    };
    let magic = cur.u4("magic")?;
    if magic != MAGIC {
        return Err(ExportError::at(0, ExportErrorKind::BadMagic(magic)));
    }
    let minor = cur.u1("minor_version")?;
    let major = cur.u1("major_version")?;
    if major != 2 || !(1..=3).contains(&minor) {
        return Err(ExportError::at(
            4,
            ExportErrorKind::UnsupportedFormat { major, minor },
        ));
    }
    let format = FormatVersion { major, minor };

    let pool = constant_pool(&mut cur)?;

    let this_package = cp_ref(&mut cur, &pool, ConstantKind::Package, "this_package")?;
    let mut referenced_packages = Vec::new();
    if format.is_2_3() {
        let count = cur.u1("referenced_package_count")?;
        for _ in 0..count {
            referenced_packages.push(cp_ref(
                &mut cur,
                &pool,
                ConstantKind::Package,
                "referenced_packages entry",
            )?);
        }
    }

    let class_count = cur.u1("export_class_count")?;
    let mut classes = Vec::with_capacity(usize::from(class_count));
    for _ in 0..class_count {
        classes.push(class_info(&mut cur, &pool, format)?);
    }

    if !cur.rest.is_empty() {
        return Err(ExportError::at(
            cur.pos(),
            ExportErrorKind::TrailingBytes(cur.rest.len()),
        ));
    }
    Ok(ExportFile {
        format,
        constant_pool: pool,
        this_package,
        referenced_packages,
        classes,
    })
}

/// The constant pool, then a pass over its internal references (entries may refer forward).
fn constant_pool(cur: &mut Cursor<'_>) -> Result<Vec<Constant>, ExportError> {
    let count_at = cur.pos();
    let count = cur.u2("constant_pool_count")?;
    if count == 0 {
        return Err(ExportError::at(
            count_at,
            ExportErrorKind::EmptyConstantPool,
        ));
    }
    let mut pool = Vec::with_capacity(usize::from(count));
    let mut offsets = Vec::with_capacity(usize::from(count));
    for index in 0..count {
        let at = cur.pos();
        offsets.push(at);
        let tag = cur.u1("cp_info tag")?;
        let constant = match ConstantKind::from_tag(tag) {
            Some(ConstantKind::Utf8) => {
                let len = cur.u2("CONSTANT_Utf8 length")?;
                let raw = cur.bytes(usize::from(len), "CONSTANT_Utf8 bytes")?;
                let s = std::str::from_utf8(raw)
                    .map_err(|_| ExportError::at(at, ExportErrorKind::InvalidUtf8 { index }))?;
                Constant::Utf8(s.to_string())
            }
            Some(ConstantKind::Integer) => Constant::Integer(cur.i4("CONSTANT_Integer bytes")?),
            Some(ConstantKind::ClassRef) => Constant::ClassRef {
                name_index: cur.u2("CONSTANT_Classref name_index")?,
            },
            Some(ConstantKind::Package) => {
                let flags = cur.u1("CONSTANT_Package flags")?;
                let name_index = cur.u2("CONSTANT_Package name_index")?;
                let minor_version = cur.u1("CONSTANT_Package minor_version")?;
                let major_version = cur.u1("CONSTANT_Package major_version")?;
                let len_at = cur.pos();
                let len = cur.u1("CONSTANT_Package aid_length")?;
                if !(5..=16).contains(&len) {
                    return Err(ExportError::at(
                        len_at,
                        ExportErrorKind::BadAidLength { index, len },
                    ));
                }
                let aid = cur
                    .bytes(usize::from(len), "CONSTANT_Package aid")?
                    .to_vec();
                Constant::Package(PackageConstant {
                    flags,
                    name_index,
                    minor_version,
                    major_version,
                    aid,
                })
            }
            None => {
                return Err(ExportError::at(
                    at,
                    ExportErrorKind::UnknownTag { index, tag },
                ))
            }
        };
        pool.push(constant);
    }
    for (constant, at) in pool.iter().zip(&offsets) {
        match constant {
            // name_index follows the tag byte (Classref) or the tag and flags (Package).
            Constant::ClassRef { name_index } => check_index(
                &pool,
                *name_index,
                ConstantKind::Utf8,
                "CONSTANT_Classref name_index",
                at.saturating_add(1),
            )?,
            Constant::Package(p) => check_index(
                &pool,
                p.name_index,
                ConstantKind::Utf8,
                "CONSTANT_Package name_index",
                at.saturating_add(2),
            )?,
            Constant::Utf8(_) | Constant::Integer(_) => {}
        }
    }
    Ok(pool)
}

fn class_info(
    cur: &mut Cursor<'_>,
    pool: &[Constant],
    format: FormatVersion,
) -> Result<ClassInfo, ExportError> {
    let token = cur.u1("class_info token")?;
    let access_flags = cur.u2("class_info access_flags")?;
    let name_index = cp_ref(cur, pool, ConstantKind::ClassRef, "class_info name_index")?;
    let supers_count = cur.u2("export_supers_count")?;
    let mut supers = Vec::with_capacity(usize::from(supers_count).min(cur.rest.len()));
    for _ in 0..supers_count {
        supers.push(cp_ref(cur, pool, ConstantKind::ClassRef, "supers entry")?);
    }
    let interfaces_count = cur.u1("export_interfaces_count")?;
    let mut interfaces = Vec::with_capacity(usize::from(interfaces_count));
    for _ in 0..interfaces_count {
        interfaces.push(cp_ref(
            cur,
            pool,
            ConstantKind::ClassRef,
            "interfaces entry",
        )?);
    }
    let fields_count = cur.u2("export_fields_count")?;
    let mut fields = Vec::with_capacity(usize::from(fields_count).min(cur.rest.len()));
    for _ in 0..fields_count {
        fields.push(field_info(cur, pool)?);
    }
    let methods_count = cur.u2("export_methods_count")?;
    let mut methods = Vec::with_capacity(usize::from(methods_count).min(cur.rest.len()));
    for _ in 0..methods_count {
        methods.push(MethodInfo {
            token: cur.u1("method_info token")?,
            access_flags: cur.u2("method_info access_flags")?,
            name_index: cp_ref(cur, pool, ConstantKind::Utf8, "method_info name_index")?,
            descriptor_index: cp_ref(
                cur,
                pool,
                ConstantKind::Utf8,
                "method_info descriptor_index",
            )?,
        });
    }
    let cap22_inheritable_public_method_token_count = if format.is_2_3() {
        cur.u1("CAP22_inheritable_public_method_token_count")?
    } else {
        0
    };
    Ok(ClassInfo {
        token,
        access_flags,
        name_index,
        supers,
        interfaces,
        fields,
        methods,
        cap22_inheritable_public_method_token_count,
    })
}

fn field_info(cur: &mut Cursor<'_>, pool: &[Constant]) -> Result<FieldInfo, ExportError> {
    let token = cur.u1("field_info token")?;
    let access_flags = cur.u2("field_info access_flags")?;
    let name_index = cp_ref(cur, pool, ConstantKind::Utf8, "field_info name_index")?;
    let descriptor_index = cp_ref(cur, pool, ConstantKind::Utf8, "field_info descriptor_index")?;
    let count = cur.u2("attributes_count")?;
    let mut attributes = Vec::with_capacity(usize::from(count).min(cur.rest.len()));
    for _ in 0..count {
        let name_index = cp_ref(cur, pool, ConstantKind::Utf8, "attribute_name_index")?;
        let len_at = cur.pos();
        let len = cur.u4("attribute_length")?;
        let is_constant_value = matches!(pool.get(usize::from(name_index)), Some(Constant::Utf8(n)) if n == "ConstantValue");
        if is_constant_value {
            if len != 2 {
                return Err(ExportError::at(
                    len_at,
                    ExportErrorKind::BadConstantValueLength(len),
                ));
            }
            let value_index = cp_ref(cur, pool, ConstantKind::Integer, "constantvalue_index")?;
            attributes.push(Attribute::ConstantValue {
                name_index,
                value_index,
            });
        } else {
            let n = usize::try_from(len).unwrap_or(usize::MAX);
            let info = cur.bytes(n, "attribute info")?.to_vec();
            attributes.push(Attribute::Other { name_index, info });
        }
    }
    Ok(FieldInfo {
        token,
        access_flags,
        name_index,
        descriptor_index,
        attributes,
    })
}
