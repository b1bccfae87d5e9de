//! The breaking-change check of the contracts: compares the descriptor set of the last
//! released contracts with the current one and names every change that would break a client
//! built against the release. Additions are never breaking; removals are, unless the number
//! (or name) is reserved; so is any change of what a name or number means on the wire.

use std::collections::BTreeMap;
use std::fmt;

use prost::Message;
use prost_types::field_descriptor_proto::Label;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet,
    ServiceDescriptorProto,
};

/// The released contracts, as cut by `cargo run -p onewindow-proto --example release_contracts`.
pub const RELEASED_DESCRIPTOR_SET: &[u8] = include_bytes!("../released/onewindow.binpb");

/// One breaking change, naming the element by its full name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Breaking(pub String);

impl fmt::Display for Breaking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The breaking changes from the released contracts to the current ones.
pub fn check_current() -> Result<Vec<Breaking>, prost::DecodeError> {
    let released = FileDescriptorSet::decode(RELEASED_DESCRIPTOR_SET)?;
    let current = FileDescriptorSet::decode(crate::FILE_DESCRIPTOR_SET)?;
    Ok(breaking_changes(&released, &current))
}

/// Every change from `released` to `current` that breaks a client of `released`, sorted.
pub fn breaking_changes(
    released: &FileDescriptorSet,
    current: &FileDescriptorSet,
) -> Vec<Breaking> {
    let old = Index::of(released);
    let new = Index::of(current);
    let mut out = Vec::new();
    let mut report = |s: String| out.push(Breaking(s));

    for package in old.packages.keys() {
        if !new.packages.contains_key(package) {
            report(format!("package {package} removed or renamed"));
        }
    }
    for (name, service) in &old.services {
        let Some(now) = new.services.get(name) else {
            report(format!("service {name} removed"));
            continue;
        };
        compare_service(name, service, now, &mut report);
    }
    for (name, message) in &old.messages {
        let Some(now) = new.messages.get(name) else {
            report(format!("message {name} removed"));
            continue;
        };
        compare_message(name, message, now, &mut report);
    }
    for (name, enumeration) in &old.enums {
        let Some(now) = new.enums.get(name) else {
            report(format!("enum {name} removed"));
            continue;
        };
        compare_enum(name, enumeration, now, &mut report);
    }
    out.sort();
    out
}

/// Every package, service, message and enum of a set by full name (without the leading dot).
#[derive(Default)]
struct Index<'a> {
    packages: BTreeMap<String, ()>,
    services: BTreeMap<String, &'a ServiceDescriptorProto>,
    messages: BTreeMap<String, &'a DescriptorProto>,
    enums: BTreeMap<String, &'a EnumDescriptorProto>,
}

impl<'a> Index<'a> {
    fn of(set: &'a FileDescriptorSet) -> Self {
        let mut index = Index::default();
        for file in &set.file {
            let package = file.package().to_string();
            index.packages.insert(package.clone(), ());
            for service in &file.service {
                index
                    .services
                    .insert(join(&package, service.name()), service);
            }
            for message in &file.message_type {
                index.add_message(&package, message);
            }
            for enumeration in &file.enum_type {
                index
                    .enums
                    .insert(join(&package, enumeration.name()), enumeration);
            }
        }
        index
    }

    fn add_message(&mut self, scope: &str, message: &'a DescriptorProto) {
        let name = join(scope, message.name());
        for nested in &message.nested_type {
            self.add_message(&name, nested);
        }
        for enumeration in &message.enum_type {
            self.enums
                .insert(join(&name, enumeration.name()), enumeration);
        }
        self.messages.insert(name, message);
    }
}

fn join(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

fn compare_service(
    name: &str,
    old: &ServiceDescriptorProto,
    new: &ServiceDescriptorProto,
    report: &mut impl FnMut(String),
) {
    for method in &old.method {
        let full = join(name, method.name());
        let Some(now) = new.method.iter().find(|m| m.name() == method.name()) else {
            report(format!("rpc {full} removed"));
            continue;
        };
        if method.input_type() != now.input_type() {
            report(format!(
                "rpc {full} takes {} instead of {}",
                trim(now.input_type()),
                trim(method.input_type())
            ));
        }
        if method.output_type() != now.output_type() {
            report(format!(
                "rpc {full} returns {} instead of {}",
                trim(now.output_type()),
                trim(method.output_type())
            ));
        }
        if method.client_streaming() != now.client_streaming() {
            report(format!(
                "rpc {full} changed client streaming to {}",
                now.client_streaming()
            ));
        }
        if method.server_streaming() != now.server_streaming() {
            report(format!(
                "rpc {full} changed server streaming to {}",
                now.server_streaming()
            ));
        }
    }
}

fn compare_message(
    name: &str,
    old: &DescriptorProto,
    new: &DescriptorProto,
    report: &mut impl FnMut(String),
) {
    for field in &old.field {
        let full = join(name, field.name());
        let same_number = new.field.iter().find(|f| f.number() == field.number());
        let same_name = new.field.iter().find(|f| f.name() == field.name());
        match (same_number, same_name) {
            (Some(now), _) if now.name() != field.name() => report(format!(
                "field {full} = {}: the number now names {}",
                field.number(),
                join(name, now.name())
            )),
            (Some(now), _) => compare_field(&full, field, now, report),
            (None, Some(now)) => report(format!(
                "field {full} renumbered from {} to {}",
                field.number(),
                now.number()
            )),
            (None, None) => {
                let number_reserved = new
                    .reserved_range
                    .iter()
                    .any(|r| (r.start()..r.end()).contains(&field.number()));
                let name_reserved = new.reserved_name.iter().any(|n| n == field.name());
                if !(number_reserved || name_reserved) {
                    report(format!(
                        "field {full} = {} removed without reserving its number",
                        field.number()
                    ));
                }
            }
        }
    }
}

fn compare_field(
    full: &str,
    old: &FieldDescriptorProto,
    new: &FieldDescriptorProto,
    report: &mut impl FnMut(String),
) {
    if old.r#type() != new.r#type() || old.type_name() != new.type_name() {
        report(format!(
            "field {full} changed type from {} to {}",
            type_of(old),
            type_of(new)
        ));
    }
    if label_of(old) != label_of(new) {
        report(format!(
            "field {full} changed label from {} to {}",
            label_of(old),
            label_of(new)
        ));
    }
}

fn type_of(field: &FieldDescriptorProto) -> String {
    match field.type_name() {
        "" => field.r#type().as_str_name().to_string(),
        name => trim(name).to_string(),
    }
}

fn label_of(field: &FieldDescriptorProto) -> &'static str {
    match (field.label(), field.proto3_optional()) {
        (Label::Repeated, _) => "repeated",
        (Label::Required, _) => "required",
        (_, true) => "optional",
        (_, false) => "singular",
    }
}

fn compare_enum(
    name: &str,
    old: &EnumDescriptorProto,
    new: &EnumDescriptorProto,
    report: &mut impl FnMut(String),
) {
    for value in &old.value {
        // Named inside their enum for the reader, though protobuf scopes them beside it.
        let full = join(name, value.name());
        let same_number = new.value.iter().find(|v| v.number() == value.number());
        let same_name = new.value.iter().find(|v| v.name() == value.name());
        match (same_number, same_name) {
            (Some(now), _) if now.name() != value.name() => {
                // Aliases (allow_alias) may add a name to a number; the old name must stay.
                if same_name.is_none_or(|v| v.number() != value.number()) {
                    report(format!(
                        "enum value {full} = {}: the number now names {}",
                        value.number(),
                        now.name()
                    ))
                }
            }
            (Some(_), _) => {}
            (None, Some(now)) => report(format!(
                "enum value {full} renumbered from {} to {}",
                value.number(),
                now.number()
            )),
            (None, None) => {
                // Enum reserved ranges are inclusive at both ends.
                let number_reserved = new
                    .reserved_range
                    .iter()
                    .any(|r| (r.start()..=r.end()).contains(&value.number()));
                let name_reserved = new.reserved_name.iter().any(|n| n == value.name());
                if !(number_reserved || name_reserved) {
                    report(format!(
                        "enum value {full} = {} removed without reserving its number",
                        value.number()
                    ));
                }
            }
        }
    }
}

fn trim(type_name: &str) -> &str {
    type_name.strip_prefix('.').unwrap_or(type_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost_types::descriptor_proto::ReservedRange;
    use prost_types::field_descriptor_proto::Type;

    fn released() -> FileDescriptorSet {
        FileDescriptorSet::decode(RELEASED_DESCRIPTOR_SET).expect("released set decodes")
    }

    fn file<'a>(
        set: &'a mut FileDescriptorSet,
        package: &str,
    ) -> &'a mut prost_types::FileDescriptorProto {
        set.file
            .iter_mut()
            .find(|f| f.package() == package)
            .expect("package")
    }

    fn message<'a>(
        set: &'a mut FileDescriptorSet,
        package: &str,
        name: &str,
    ) -> &'a mut DescriptorProto {
        file(set, package)
            .message_type
            .iter_mut()
            .find(|m| m.name() == name)
            .expect("message")
    }

    fn field<'a>(m: &'a mut DescriptorProto, name: &str) -> &'a mut FieldDescriptorProto {
        m.field
            .iter_mut()
            .find(|f| f.name() == name)
            .expect("field")
    }

    /// The changes of mutating a copy of the released set.
    fn after(mutate: impl FnOnce(&mut FileDescriptorSet)) -> Vec<String> {
        let base = released();
        let mut changed = base.clone();
        mutate(&mut changed);
        breaking_changes(&base, &changed)
            .into_iter()
            .map(|b| b.0)
            .collect()
    }

    const CASES: &str = "onewindow.cases.v1";

    #[test]
    fn the_released_set_is_compatible_with_itself() {
        assert_eq!(after(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn additions_are_not_breaking() {
        let changes = after(|set| {
            let m = message(set, CASES, "GetCaseRequest");
            let mut extra = m.field[0].clone();
            extra.name = Some("brand_new_field".into());
            extra.number = Some(999);
            extra.json_name = Some("brandNewField".into());
            m.field.push(extra);
            let service = &mut file(set, CASES).service[0];
            let mut rpc = service.method[0].clone();
            rpc.name = Some("BrandNewRpc".into());
            service.method.push(rpc);
        });
        assert_eq!(changes, Vec::<String>::new());
    }

    #[test]
    fn a_removed_service_rpc_or_message_is_named() {
        let changes = after(|set| {
            file(set, CASES).service[0]
                .method
                .retain(|m| m.name() != "GetCase")
        });
        assert_eq!(
            changes,
            vec!["rpc onewindow.cases.v1.CaseService.GetCase removed"]
        );

        let changes = after(|set| file(set, CASES).service.clear());
        assert_eq!(
            changes,
            vec!["service onewindow.cases.v1.CaseService removed"]
        );

        let changes = after(|set| {
            file(set, CASES)
                .message_type
                .retain(|m| m.name() != "GetCaseRequest")
        });
        assert!(
            changes.contains(&"message onewindow.cases.v1.GetCaseRequest removed".to_string()),
            "{changes:?}"
        );
    }

    #[test]
    fn a_removed_field_is_breaking_unless_its_number_or_name_is_reserved() {
        let changes = after(|set| {
            message(set, CASES, "GetCaseRequest")
                .field
                .retain(|f| f.name() != "case_id")
        });
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].starts_with("field onewindow.cases.v1.GetCaseRequest.case_id = "));
        assert!(changes[0].ends_with("removed without reserving its number"));

        let by_number = after(|set| {
            let m = message(set, CASES, "GetCaseRequest");
            let number = field(m, "case_id").number();
            m.field.retain(|f| f.name() != "case_id");
            m.reserved_range.push(ReservedRange {
                start: Some(number),
                end: Some(number + 1),
            });
        });
        assert_eq!(by_number, Vec::<String>::new());

        let by_name = after(|set| {
            let m = message(set, CASES, "GetCaseRequest");
            m.field.retain(|f| f.name() != "case_id");
            m.reserved_name.push("case_id".into());
        });
        assert_eq!(by_name, Vec::<String>::new());
    }

    #[test]
    fn a_reused_or_changed_field_number_is_breaking() {
        let reused = after(|set| {
            field(message(set, CASES, "GetCaseRequest"), "case_id").name = Some("other".into())
        });
        assert!(
            reused[0].starts_with("field onewindow.cases.v1.GetCaseRequest.case_id = "),
            "{reused:?}"
        );
        assert!(reused[0].ends_with("the number now names onewindow.cases.v1.GetCaseRequest.other"));

        let renumbered =
            after(|set| field(message(set, CASES, "GetCaseRequest"), "case_id").number = Some(777));
        assert_eq!(renumbered.len(), 1, "{renumbered:?}");
        assert!(renumbered[0]
            .starts_with("field onewindow.cases.v1.GetCaseRequest.case_id renumbered from "));
        assert!(renumbered[0].ends_with(" to 777"));
    }

    #[test]
    fn a_changed_field_type_or_label_is_breaking() {
        let retyped = after(|set| {
            field(message(set, CASES, "GetCaseRequest"), "case_id").set_type(Type::Int64)
        });
        assert_eq!(retyped, vec!["field onewindow.cases.v1.GetCaseRequest.case_id changed type from TYPE_STRING to TYPE_INT64"]);

        let repeated = after(|set| {
            field(message(set, CASES, "GetCaseRequest"), "case_id").set_label(Label::Repeated)
        });
        assert_eq!(repeated, vec!["field onewindow.cases.v1.GetCaseRequest.case_id changed label from singular to repeated"]);

        let optional = after(|set| {
            field(message(set, CASES, "GetCaseRequest"), "case_id").proto3_optional = Some(true)
        });
        assert_eq!(optional, vec!["field onewindow.cases.v1.GetCaseRequest.case_id changed label from singular to optional"]);
    }

    #[test]
    fn changed_request_response_or_streaming_of_an_rpc_is_breaking() {
        fn rpc(set: &mut FileDescriptorSet) -> &mut prost_types::MethodDescriptorProto {
            file(set, CASES).service[0]
                .method
                .iter_mut()
                .find(|m| m.name() == "GetCase")
                .expect("GetCase")
        }
        let input =
            after(|set| rpc(set).input_type = Some(".onewindow.cases.v1.ListCasesRequest".into()));
        assert_eq!(input, vec!["rpc onewindow.cases.v1.CaseService.GetCase takes onewindow.cases.v1.ListCasesRequest instead of onewindow.cases.v1.GetCaseRequest"]);

        let output = after(|set| {
            rpc(set).output_type = Some(".onewindow.cases.v1.ListCasesResponse".into())
        });
        assert_eq!(output.len(), 1, "{output:?}");
        assert!(output[0].starts_with("rpc onewindow.cases.v1.CaseService.GetCase returns onewindow.cases.v1.ListCasesResponse instead of "));

        let streaming = after(|set| rpc(set).server_streaming = Some(true));
        assert_eq!(
            streaming,
            vec!["rpc onewindow.cases.v1.CaseService.GetCase changed server streaming to true"]
        );
        let client = after(|set| rpc(set).client_streaming = Some(true));
        assert_eq!(
            client,
            vec!["rpc onewindow.cases.v1.CaseService.GetCase changed client streaming to true"]
        );
    }

    #[test]
    fn a_removed_or_renumbered_enum_value_is_breaking_unless_reserved() {
        // The first enum of the cases package with at least two values.
        let (enum_name, value_name, value_number) = {
            let set = released();
            let f = set
                .file
                .iter()
                .find(|f| f.package() == CASES)
                .expect("cases");
            let e = f
                .enum_type
                .iter()
                .find(|e| e.value.len() > 1)
                .expect("an enum");
            (
                e.name().to_string(),
                e.value[1].name().to_string(),
                e.value[1].number(),
            )
        };
        fn enum_named<'a>(
            set: &'a mut FileDescriptorSet,
            name: &str,
        ) -> &'a mut EnumDescriptorProto {
            file(set, CASES)
                .enum_type
                .iter_mut()
                .find(|e| e.name() == name)
                .expect("enum")
        }
        let full = format!("{CASES}.{enum_name}.{value_name}");
        let removed = after(|set| {
            enum_named(set, &enum_name)
                .value
                .retain(|v| v.name() != value_name)
        });
        assert_eq!(
            removed,
            vec![format!(
                "enum value {full} = {value_number} removed without reserving its number"
            )]
        );

        let reserved = after(|set| {
            let e = enum_named(set, &enum_name);
            e.value.retain(|v| v.name() != value_name);
            e.reserved_range
                .push(prost_types::enum_descriptor_proto::EnumReservedRange {
                    start: Some(value_number),
                    end: Some(value_number),
                });
        });
        assert_eq!(reserved, Vec::<String>::new());

        let renumbered = after(|set| {
            let e = enum_named(set, &enum_name);
            let v = e
                .value
                .iter_mut()
                .find(|v| v.name() == value_name)
                .expect("value");
            v.number = Some(4242);
        });
        assert_eq!(
            renumbered,
            vec![format!(
                "enum value {full} renumbered from {value_number} to 4242"
            )]
        );
    }

    #[test]
    fn a_renamed_package_is_breaking() {
        let changes = after(|set| {
            let f = file(set, "onewindow.supervision.v1");
            f.package = Some("onewindow.oversight.v1".into());
        });
        assert!(
            changes.contains(&"package onewindow.supervision.v1 removed or renamed".to_string()),
            "{changes:?}"
        );
        assert!(
            changes.contains(
                &"service onewindow.supervision.v1.SupervisionService removed".to_string()
            ),
            "{changes:?}"
        );
    }

    #[test]
    fn the_current_contracts_do_not_break_the_released_ones() {
        let changes = check_current().expect("both descriptor sets decode");
        assert!(
            changes.is_empty(),
            "breaking changes to the released contracts (make them compatible, or cut a v2 \
             package):\n{}",
            changes
                .iter()
                .map(|c| format!("  {c}\n"))
                .collect::<String>()
        );
    }
}
